"""Yubico's own host code (Debian's python3-yubikey-manager, yubikit 4.0.9) as a real client of
tokenbridge's virtual key.

This process plays the daemon's end of the emulator bus (docs/virtual-devices.md): it listens on
a Unix socket, `tokenbridge emulate SPEC --socket PATH` connects and announces its key (protocol 2:
this end says it listens, and answers the emulator's syncs), and every
feature report yubikit's OtpProtocol sends or reads travels as a bus request. yubikit then
programs and uses the key exactly as it would a YubiKey over HID. Keystrokes come back as the
bus's input reports and are decoded here.

Usage: virtual_key_client.py SOCKET SERIAL
Prints one JSON object per line on stdout:
  {"event": "listening"}                    the socket is ready for the emulator
  {"event": "press", "slot": N}             please press the key's button (slot N)
  {"event": "touch"}                        the key waits for a touch (challenge-response)
  {"event": "check", "name": ..., "ok": ..., "detail": ...}
  {"event": "done", "failed": N}
"""
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import traceback

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from yubikit.core.otp import CommandRejectedError, OtpConnection, check_crc, modhex_decode
from yubikit.management import ManagementSession
from yubikit.yubiotp import (
    SLOT,
    HmacSha1SlotConfiguration,
    HotpSlotConfiguration,
    UpdateConfiguration,
    YubiOtpSession,
    YubiOtpSlotConfiguration,
)

BUS_PROTOCOL = 2

# Boot-keyboard usages (HID Usage Tables, page 7): letters, digits, Enter.
USAGE_A, USAGE_1, USAGE_0, USAGE_ENTER = 0x04, 0x1E, 0x27, 0x28


def emit(**event):
    print(json.dumps(event), flush=True)


class Bus:
    """Line-delimited JSON over the emulator's connection."""

    def __init__(self, conn):
        self.conn = conn
        self.buffer = b""
        self.next_id = 1
        self.inputs = []
        self.plugs = 0

    def send(self, message):
        self.conn.sendall((json.dumps(message) + "\n").encode())

    def listen(self, listening):
        """Tells the emulator whether this host hears the key (it presses only while it does)."""
        self.send({"type": "listening", "listening": listening, "plugs": self.plugs})

    def read(self):
        """The next message, answering the handshake's own (sync, plug) as a daemon does."""
        while True:
            while b"\n" not in self.buffer:
                chunk = self.conn.recv(4096)
                if not chunk:
                    raise EOFError("the emulator closed the bus")
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            message = json.loads(line)
            if message["type"] == "sync":
                # Reports arrive on this connection in order: all before the sync were read.
                self.send({"type": "synced", "id": message["id"], "heard": True})
            elif message["type"] == "plug":
                self.plugs += 1
                self.listen(message["plugged"])
            else:
                return message

    def request(self, message):
        request_id = self.next_id
        self.next_id += 1
        self.send(dict(message, id=request_id))
        while True:
            answer = self.read()
            if answer["type"] == "input":
                self.inputs.append(bytes.fromhex(answer["report"]))
            elif answer["type"] in ("response", "failure") and answer["id"] == request_id:
                if answer["type"] == "failure":
                    raise IOError(answer["error"]["message"])
                return answer.get("report")

    def typed_line(self):
        """Reads keyboard reports until Enter; the text typed."""
        text = ""
        while True:
            while not self.inputs:
                message = self.read()
                if message["type"] == "input":
                    self.inputs.append(bytes.fromhex(message["report"]))
            report = self.inputs.pop(0)
            usage, shifted = report[2], report[0] & 0x22
            if usage == 0:
                continue
            if usage == USAGE_ENTER:
                return text
            if USAGE_A <= usage < USAGE_A + 26:
                ch = chr(ord("a") + usage - USAGE_A)
                text += ch.upper() if shifted else ch
            elif USAGE_1 <= usage < USAGE_0:
                text += str(usage - USAGE_1 + 1)
            elif usage == USAGE_0:
                text += "0"
            else:
                text += "?"


class BusOtpConnection(OtpConnection):
    """yubikit's byte pipe: one 8-byte feature report per call, here over the bus."""

    def __init__(self, bus):
        self.bus = bus

    def receive(self):
        return bytes.fromhex(self.bus.request({"type": "get-feature"}))

    def send(self, data):
        assert len(data) == 8, "yubikit sends 8-byte feature reports"
        self.bus.request({"type": "set-feature", "report": data.hex()})

    def close(self):
        pass


def hotp(key, counter, digits=6):
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


def decrypt_ticket(aes_key, block):
    decryptor = Cipher(algorithms.AES(aes_key), modes.ECB()).decryptor()
    return decryptor.update(block) + decryptor.finalize()


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, name, ok, detail=None):
        if not ok:
            self.failed += 1
        emit(event="check", name=name, ok=bool(ok), detail=detail)

    def raises(self, name, error, call):
        try:
            call()
        except error as e:
            self.check(name, True, type(e).__name__)
            return
        except Exception as e:  # the wrong error is a failure, with its name
            self.check(name, False, "%s: %s" % (type(e).__name__, e))
            return
        self.check(name, False, "no error raised")


def run(bus, serial, checks):
    connection = BusOtpConnection(bus)
    session = YubiOtpSession(connection)
    check = checks.check

    check("get_serial", session.get_serial() == serial, session.get_serial())
    check("version", tuple(session.version) == (5, 4, 3), str(session.version))
    state = session.get_config_state()
    check(
        "get_config_state: a blank key",
        not state.is_configured(SLOT.ONE) and not state.is_configured(SLOT.TWO),
        repr(state),
    )

    info = ManagementSession(connection).read_device_info()
    check("management read_device_info: serial", info.serial == serial, info.serial)
    check("management read_device_info: version", tuple(info.version) == (5, 4, 3), str(info.version))

    # OATH-HOTP in slot 2, as `ykman otp hotp 2 KEY` writes it; a press types the RFC 4226 code.
    hotp_key = b"12345678901234567890"
    session = YubiOtpSession(connection)
    session.put_configuration(SLOT.TWO, HotpSlotConfiguration(hotp_key))
    state = session.get_config_state()
    check(
        "put_configuration(2, HOTP): slot 2 configured and touch-triggered",
        state.is_configured(SLOT.TWO) and state.is_touch_triggered(SLOT.TWO)
        and not state.is_configured(SLOT.ONE),
        repr(state),
    )
    emit(event="press", slot=2)
    typed = bus.typed_line()
    check("slot 2 types HOTP counter 0", typed == hotp(hotp_key, 0), typed)

    # Yubico OTP in slot 1; the typed OTP decrypts under the AES key with the private id inside.
    public_id = bytes.fromhex("ff00" + "%08x" % serial)
    private_id = bytes.fromhex("0a0b0c0d0e0f")
    aes_key = bytes.fromhex("00112233445566778899aabbccddeeff")
    session.put_configuration(SLOT.ONE, YubiOtpSlotConfiguration(public_id, private_id, aes_key))
    emit(event="press", slot=1)
    otp = bus.typed_line()
    ticket = decrypt_ticket(aes_key, modhex_decode(otp[-32:]))
    check(
        "slot 1 types a Yubico OTP: public id, then a ticket with the private id and a good CRC",
        modhex_decode(otp[:-32]) == public_id and ticket[:6] == private_id and check_crc(ticket),
        otp,
    )

    # Swap: HOTP moves to slot 1 and keeps its counter.
    session.swap_slots()
    emit(event="press", slot=1)
    typed = bus.typed_line()
    check("swap_slots: slot 1 now types HOTP counter 1", typed == hotp(hotp_key, 1), typed)

    # Update: flags only; the secret and counter stay (and Enter stays on).
    session.update_configuration(SLOT.ONE, UpdateConfiguration().append_cr(True))
    emit(event="press", slot=1)
    typed = bus.typed_line()
    check("update_configuration(1): the slot keeps its seed and counter", typed == hotp(hotp_key, 2), typed)

    # HMAC-SHA1 challenge-response in slot 2, short challenges padded by yubikit.
    hmac_key = bytes(range(1, 21))
    session.put_configuration(SLOT.TWO, HmacSha1SlotConfiguration(hmac_key))
    state = session.get_config_state()
    check(
        "HMAC-SHA1 slot 2: configured, not touch-triggered",
        state.is_configured(SLOT.TWO) and not state.is_touch_triggered(SLOT.TWO),
        repr(state),
    )
    for challenge in (b"tokenbridge", b"ends-in-zero\x00"):
        response = session.calculate_hmac_sha1(SLOT.TWO, challenge)
        expected = hmac.new(hmac_key, challenge, hashlib.sha1).digest()
        check("calculate_hmac_sha1(%r)" % challenge, response == expected, response.hex())
    # HMAC_LT64 (yubikit's default): the last byte marks the end, so a full 64-byte challenge
    # loses its trailing run of that byte, as ykpersonalize documents for a key.
    full = bytes(63) + b"\x01"
    response = session.calculate_hmac_sha1(SLOT.TWO, full)
    check(
        "calculate_hmac_sha1 of 64 bytes under HMAC_LT64 hashes them less their trailing run",
        response == hmac.new(hmac_key, bytes(63), hashlib.sha1).digest(),
        response.hex(),
    )

    # With a touch required and an access code on the slot.
    code = bytes.fromhex("a1a2a3a4a5a6")
    session.put_configuration(
        SLOT.TWO, HmacSha1SlotConfiguration(hmac_key).require_touch(True), acc_code=code
    )
    asked = []

    def keepalive(status):
        if status == 2 and not asked:  # STATUS_UPNEEDED
            asked.append(status)
            emit(event="touch")

    response = session.calculate_hmac_sha1(SLOT.TWO, b"touch me", on_keepalive=keepalive)
    check(
        "calculate_hmac_sha1 with touch: the key waited for it, then answered",
        asked == [2] and response == hmac.new(hmac_key, b"touch me", hashlib.sha1).digest(),
        response.hex(),
    )

    # The access code protects the slot.
    checks.raises(
        "put_configuration without the access code is rejected",
        CommandRejectedError,
        lambda: session.put_configuration(SLOT.TWO, HotpSlotConfiguration(hotp_key)),
    )
    checks.raises(
        "delete_slot with a wrong access code is rejected",
        CommandRejectedError,
        lambda: session.delete_slot(SLOT.TWO, cur_acc_code=bytes(6)),
    )
    session.delete_slot(SLOT.TWO, cur_acc_code=code)
    session.delete_slot(SLOT.ONE)
    state = session.get_config_state()
    check(
        "delete_slot both: the key is blank again (sequence back to 0, as yubikit expects)",
        not state.is_configured(SLOT.ONE) and not state.is_configured(SLOT.TWO),
        repr(state),
    )

    # Leave slot 2 programmed, for the test to see the key keep it across a restart.
    session.put_configuration(SLOT.TWO, HotpSlotConfiguration(hotp_key).digits8(True))
    emit(event="press", slot=2)
    typed = bus.typed_line()
    check("8-digit HOTP in slot 2 types counter 0", typed == hotp(hotp_key, 0, 8), typed)


def main():
    path, serial = sys.argv[1], int(sys.argv[2])
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen(1)
    emit(event="listening")
    conn, _ = server.accept()
    bus = Bus(conn)
    hello = bus.read()
    assert hello["type"] == "hello" and hello["protocol"] == BUS_PROTOCOL, hello
    bus.send({"type": "welcome", "protocol": BUS_PROTOCOL})
    bus.listen(True)
    checks = Checks()
    try:
        run(bus, serial, checks)
    except Exception:
        checks.check("no exception", False, traceback.format_exc())
    emit(event="done", failed=checks.failed)
    # The test now quits the emulator: wait for it to leave, so it ends as a person would end it.
    try:
        while True:
            bus.read()
    except (EOFError, OSError):
        pass
    conn.close()
    server.close()


if __name__ == "__main__":
    main()
