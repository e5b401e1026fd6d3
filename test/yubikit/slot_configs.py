"""Slot configurations as Yubico's own yubikit builds them, for test/vectors/slot-configs.ts.

Reads a JSON list of vector specs on stdin and prints one JSON list of hex strings: the 52-byte
configuration yubikit's SlotConfiguration.get_config(acc_code) returns for each. Run by
test/yubikit/slot-configs.test.ts with Debian's python3-yubikey-manager (scripts/setup.sh).
"""
import json
import sys

from yubikit.yubiotp import (
    CONFIG_SIZE,
    HmacSha1SlotConfiguration,
    HotpSlotConfiguration,
    UpdateConfiguration,
    YubiOtpSlotConfiguration,
)


def unhex(value):
    return None if value is None else bytes.fromhex(value)


def build(spec):
    kind = spec["type"]
    if kind == "delete":
        return b"\0" * CONFIG_SIZE
    if kind == "hotp":
        config = HotpSlotConfiguration(unhex(spec["key"]))
        config.digits8(spec.get("digits8", False))
        config.imf(spec.get("imf", 0))
        if spec.get("token_id") is not None:
            config.token_id(unhex(spec["token_id"]))
    elif kind == "yubiotp":
        config = YubiOtpSlotConfiguration(
            unhex(spec["fixed"]), unhex(spec["uid"]), unhex(spec["key"])
        )
    elif kind == "hmac":
        config = HmacSha1SlotConfiguration(unhex(spec["key"]))
        config.require_touch(spec.get("require_touch", False))
        config.lt64(spec.get("lt64", True))
    elif kind == "update":
        config = UpdateConfiguration()
    else:
        raise ValueError("unknown vector type " + kind)
    if kind in ("hotp", "yubiotp", "update"):
        config.append_cr(spec.get("append_cr", True))
        config.use_numeric(spec.get("use_numeric", False))
    return config.get_config(unhex(spec.get("acc_code")))


print(json.dumps([build(spec).hex() for spec in json.load(sys.stdin)]))
