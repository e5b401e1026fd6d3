import {
  appendComplementedCrc,
  CHUNK_SEQ_MASK,
  crc16,
  DUMMY_REPORT_WRITE,
  FEATURE_DATA_SIZE,
  FEATURE_FLAGS_OFFSET,
  FRAME_COMMAND_OFFSET,
  FRAME_CRC_OFFSET,
  FRAME_LAST_CHUNK,
  FRAME_SIZE,
  REPORT_SIZE,
  RESET_REPORT_WRITE_YKMAN,
  RESP_PENDING_FLAG,
  RESP_TIMEOUT_WAIT_FLAG,
  RESP_TIMEOUT_WAIT_MASK,
  SLOT_DATA_SIZE,
  SLOT_WRITE_FLAG,
} from '../../src/core';
import type { TouchWait } from './touch-wait';

/**
 * What a command answers: response data (before its CRC), null for a plain status (accepted
 * writes show in its programming sequence, rejections leave it), or a wait for the button.
 */
export type CommandAnswer = Uint8Array | null | TouchWait;

/** What the state machine asks of the key behind it. */
export interface FeatureReportDevice {
  /** Bytes 0..6 of the status report (byte 7, the flags, is the machine's). */
  statusBytes(): Uint8Array;
  /** Runs a command whose frame arrived intact. */
  execute(command: number, payload: Uint8Array): CommandAnswer;
}

export interface FeatureReportMachineOptions {
  /**
   * How many GET_FEATUREs after each chunk show SLOT_WRITE_FLAG still set, as a key does while it
   * stores the chunk (a swap can take 920 ms on a real key). 1 makes every host wait loop run once.
   */
  readonly writeBusyReads?: number;
}

/** XORed into the response CRC by the crc-corruption fault: any non-zero value breaks the residue. */
const CRC_CORRUPTION_MASK = 0x5a;

/**
 * The device side of the OTP feature-report transport (reference A2, "How a device answers"): frame
 * chunks in, status or response chunks out. Synchronous and pure apart from its own state; the token
 * adds timing and faults around it.
 */
export class FeatureReportMachine {
  private readonly frame = new Uint8Array(FRAME_SIZE);
  private readonly writeBusyReads: number;
  private busyReads = 0;
  /** Pending response chunks (7 data bytes each); null when idle. */
  private response: Uint8Array[] | null = null;
  private responseSeq = 0;
  private corruptNext = false;
  private corruptNextFrame = false;
  /** A challenge waiting for the button; null when none. */
  private waiting: TouchWait | null = null;
  /** The key never confirms: frames are taken and never run, the write flag stays set. */
  private stuck = false;
  private stuckBusy = false;

  constructor(
    private readonly device: FeatureReportDevice,
    options: FeatureReportMachineOptions = {},
  ) {
    this.writeBusyReads = options.writeBusyReads ?? 1;
  }

  /** SET_FEATURE with 8 bytes (the caller checked the length). */
  write(report: Uint8Array): void {
    const flags = report[FEATURE_FLAGS_OFFSET]!;
    if (flags === DUMMY_REPORT_WRITE || flags === RESET_REPORT_WRITE_YKMAN) {
      this.resetReadMode();
      return;
    }
    // A report without the write flag is not a frame chunk; a key ignores it.
    if ((flags & SLOT_WRITE_FLAG) === 0) return;
    const seq = flags & CHUNK_SEQ_MASK;
    if (seq > FRAME_LAST_CHUNK) return;
    if (seq === 0) {
      this.frame.fill(0);
      this.response = null; // a new frame aborts an unread response
      this.waiting = null; // ... and a challenge waiting for a touch
    }
    this.frame.set(report.subarray(0, FEATURE_DATA_SIZE), seq * FEATURE_DATA_SIZE);
    this.busyReads = this.writeBusyReads;
    if (seq === FRAME_LAST_CHUNK) this.dispatch();
  }

  /** GET_FEATURE: a busy status, the next response chunk, or the status report. */
  read(): Uint8Array {
    if (this.stuckBusy) return this.status(SLOT_WRITE_FLAG);
    if (this.busyReads > 0) {
      this.busyReads -= 1;
      return this.status(SLOT_WRITE_FLAG);
    }
    if (this.waiting) {
      const poll = this.waiting.poll();
      if (poll.state === 'waiting') {
        return this.status(RESP_TIMEOUT_WAIT_FLAG | (poll.secondsLeft & RESP_TIMEOUT_WAIT_MASK));
      }
      this.waiting = null;
      if (poll.state === 'touched') this.respond(poll.data);
      else return this.status(0); // timed out: no data, as a refused command
    }
    if (this.response) {
      const chunk = this.response[this.responseSeq];
      if (chunk) {
        const report = new Uint8Array(REPORT_SIZE);
        report.set(chunk);
        report[FEATURE_FLAGS_OFFSET] = RESP_PENDING_FLAG | this.responseSeq;
        this.responseSeq += 1;
        return report;
      }
      // Past the last chunk: sequence 0 again tells the host the transfer is complete.
      this.response = null;
      const done = new Uint8Array(REPORT_SIZE);
      done[FEATURE_FLAGS_OFFSET] = RESP_PENDING_FLAG;
      return done;
    }
    return this.status(0);
  }

  /** The next response goes out with a wrong CRC (fault injection). */
  corruptNextResponse(): void {
    this.corruptNext = true;
  }

  /** The next frame arrives damaged (a flipped payload bit), so its CRC fails (fault injection). */
  corruptNextIncomingFrame(): void {
    this.corruptNextFrame = true;
  }

  /** From the next frame on, the key takes frames and never runs or confirms them. */
  setNeverConfirm(on: boolean): void {
    this.stuck = on;
    if (!on) this.stuckBusy = false;
  }

  /** True while a challenge waits for the button. */
  get waitingForTouch(): TouchWait | null {
    return this.waiting;
  }

  /** Back to idle, as after a power cycle. */
  reset(): void {
    this.frame.fill(0);
    this.resetReadMode();
    this.busyReads = 0;
    this.stuckBusy = false;
  }

  private resetReadMode(): void {
    this.response = null;
    this.responseSeq = 0;
    this.waiting = null;
  }

  private status(flags: number): Uint8Array {
    const report = new Uint8Array(REPORT_SIZE);
    report.set(this.device.statusBytes().subarray(0, FEATURE_DATA_SIZE));
    report[FEATURE_FLAGS_OFFSET] = flags;
    return report;
  }

  private dispatch(): void {
    if (this.stuck) {
      this.stuckBusy = true;
      return;
    }
    const payload = this.frame.slice(0, SLOT_DATA_SIZE);
    if (this.corruptNextFrame) {
      this.corruptNextFrame = false;
      payload[0]! ^= 0x01;
    }
    const command = this.frame[FRAME_COMMAND_OFFSET]!;
    const crc = this.frame[FRAME_CRC_OFFSET]! | (this.frame[FRAME_CRC_OFFSET + 1]! << 8);
    // A damaged frame is dropped like a rejected command: no data, pgmSeq unchanged.
    if (crc !== crc16(payload)) return;
    const answer = this.device.execute(command, payload);
    if (answer === null) return;
    if (answer instanceof Uint8Array) this.respond(answer);
    else this.waiting = answer;
  }

  private respond(data: Uint8Array): void {
    this.response = chunkResponse(data, this.corruptNext);
    this.corruptNext = false;
    this.responseSeq = 0;
  }
}

/** `data ‖ ~crc16(data)` little-endian, zero-padded to whole 7-byte chunks. */
export function chunkResponse(data: Uint8Array, corruptCrc = false): Uint8Array[] {
  const framed = appendComplementedCrc(data);
  if (corruptCrc) framed[framed.length - 2]! ^= CRC_CORRUPTION_MASK;
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < framed.length; offset += FEATURE_DATA_SIZE) {
    const chunk = new Uint8Array(FEATURE_DATA_SIZE);
    chunk.set(framed.subarray(offset, offset + FEATURE_DATA_SIZE));
    chunks.push(chunk);
  }
  return chunks;
}
