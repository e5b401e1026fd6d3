import { keyReportsFor } from '../../drivers/virtual';
import { classifyOtp, decodeKeyboardReport, KeyboardOtpAssembler } from '../../src/yubikey';
import { timePerCall, type BenchFigure, type BenchSuite } from '../harness';

const YUBICO_OTP = 'ccccccjlkgjlevtdernkbbnrrvhcvdbljgchbgbdbvgk';
/** The 90 reports a token types for it: key-down and key-up per character, then Enter. */
const REPORTS = keyReportsFor(YUBICO_OTP, { numericKeypad: false, appendEnter: true });

/** Results go here so no measured loop can be optimised away. */
let sink = 0;

/** The baseline: a loop over the same reports that only reads every byte. */
function readBytes(): void {
  for (const report of REPORTS) for (let i = 0; i < report.length; i++) sink += report[i]!;
}

function decodeOnly(): void {
  let previous: readonly number[] = [];
  for (const report of REPORTS) {
    const decoded = decodeKeyboardReport(report, previous);
    if (decoded.kind === 'keys') {
      previous = decoded.keys;
      sink += decoded.strokes.length;
    }
  }
}

/** What the device manager does per press: one assembler per device, fed every report. */
const ASSEMBLER = new KeyboardOtpAssembler();
let clockMs = 0;
function assembleAndClassify(): void {
  for (const report of REPORTS) {
    for (const event of ASSEMBLER.feed(report, (clockMs += 2))) {
      if (event.type === 'otp') sink += event.otp.format.length;
    }
  }
}

async function run(): Promise<BenchFigure[]> {
  if (classifyOtp(YUBICO_OTP)?.format !== 'yubico') throw new Error('bench input is no Yubico OTP');
  const baseline = { name: 'read the 90 reports byte by byte', value: timePerCall(readBytes) };
  const figures: BenchFigure[] = [
    {
      name: 'decode 90 keyboard reports (44-char Yubico OTP + Enter)',
      value: timePerCall(decodeOnly),
      unit: 'µs',
      baseline,
    },
    {
      name: 'decode + assemble + classify, per OTP',
      value: timePerCall(assembleAndClassify),
      unit: 'µs',
      baseline,
    },
  ];
  if (sink === -1) figures.push({ name: 'sink', value: sink, unit: '' });
  return figures;
}

export const keyboardSuite: BenchSuite = { name: 'keyboard', run };
