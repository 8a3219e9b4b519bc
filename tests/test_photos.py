"""Tests for checking, re-encoding and storing complaint photos."""

from __future__ import annotations

import io
import random
import re
import stat
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags
from PIL import Image
from PIL import ImageCms

from app.photos import PhotoError
from app.photos import ProcessedPhoto
from app.photos import process_photo
from app.photos import store_photo

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000, "max_side": 1600}

RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)

XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b"<rdf:Description>Jl. Daan Mogot</rdf:Description></rdf:RDF></x:xmpmeta>"
)

STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{22}\.jpg$")


def encode(image: Image.Image, image_format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def decode(photo: ProcessedPhoto) -> Image.Image:
    return Image.open(io.BytesIO(photo.data))


def two_colour_image(width: int = 64, height: int = 32) -> Image.Image:
    """An RGB image whose left half is red and right half is blue."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def exif_with_gps(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 10.0, 40.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 37.0, 48.0)
    gps[ExifTags.GPS.GPSProcessingMethod] = b"ASCII\x00\x00\x00GPS"
    return exif


def phone_jpeg() -> bytes:
    """A JPEG like a phone's: orientation 6, GPS position, XMP and ICC."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        two_colour_image(),
        "JPEG",
        quality=95,
        exif=exif_with_gps(orientation=6),
        xmp=XMP_PACKET,
        icc_profile=srgb,
    )


def noisy_jpeg() -> bytes:
    """A JPEG whose scan data is long enough that cutting it loses pixels."""
    pixels = random.Random(0).randbytes(256 * 256 * 3)
    return encode(Image.frombytes("RGB", (256, 256), pixels), "JPEG", quality=90)


def half_transparent_image(mode: str = "RGBA") -> Image.Image:
    """Left half fully transparent, right half opaque red."""
    image = Image.new("RGBA", (64, 32), (0, 0, 0, 0))
    image.paste((*RED, 255), (32, 0, 64, 32))
    return image.convert(mode)


def png_chunk(chunk_type: bytes, payload: bytes) -> bytes:
    checksum = zlib.crc32(chunk_type + payload)
    return struct.pack(">I", len(payload)) + chunk_type + payload + struct.pack(
        ">I", checksum
    )


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of zeros: a tiny file with a huge pixel count."""
    row = b"\x00" + bytes((width + 7) // 8)
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height))
    pixels += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def s15_fixed16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + bytes(4) + s15_fixed16(x) + s15_fixed16(y) + s15_fixed16(z)


def rgb_matrix_profile(
    red: tuple[float, float, float],
    green: tuple[float, float, float],
    blue: tuple[float, float, float],
) -> bytes:
    """Build a minimal ICC v2 RGB profile with linear curves and given primaries."""
    d50 = (0.9642, 1.0, 0.8249)
    linear_curve = b"curv" + bytes(4) + struct.pack(">I", 0)
    tags = [
        (b"wtpt", xyz_tag(*d50)),
        (b"rXYZ", xyz_tag(*red)),
        (b"gXYZ", xyz_tag(*green)),
        (b"bXYZ", xyz_tag(*blue)),
        (b"rTRC", linear_curve),
        (b"gTRC", linear_curve),
        (b"bTRC", linear_curve),
    ]

    data_offset = 128 + 4 + 12 * len(tags)
    tag_table = b""
    tag_data = b""
    for signature, payload in tags:
        tag_table += signature + struct.pack(
            ">II", data_offset + len(tag_data), len(payload)
        )
        tag_data += payload + bytes(-len(payload) % 4)

    header = (
        struct.pack(">I", data_offset + len(tag_data))
        + bytes(4)
        + b"\x02\x10\x00\x00mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(28)
        + b"".join(s15_fixed16(value) for value in d50)
        + bytes(48)
    )
    return header + struct.pack(">I", len(tags)) + tag_table + tag_data


def is_close(pixel: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    # JPEG is lossy, so colours are compared with a tolerance.
    return all(abs(got - want) <= 40 for got, want in zip(pixel, expected))


def test_process_photo_applies_exif_orientation() -> None:
    photo = process_photo(phone_jpeg(), **LIMITS)

    assert (photo.width, photo.height) == (32, 64)


def test_process_photo_rotates_pixels_clockwise() -> None:
    # Orientation 6 is displayed rotated 90 degrees clockwise, so the red
    # left half of the stored pixels ends up on top.
    image = decode(process_photo(phone_jpeg(), **LIMITS))

    assert is_close(image.getpixel((16, 8)), RED)
    assert is_close(image.getpixel((16, 56)), BLUE)


def test_process_photo_removes_exif_and_gps() -> None:
    original = phone_jpeg()
    assert b"Exif" in original
    assert b"GPS" in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    photo = process_photo(original, **LIMITS)

    assert len(decode(photo).getexif()) == 0
    assert b"Exif" not in photo.data
    assert b"GPS" not in photo.data
    assert b"TestCam" not in photo.data


def test_process_photo_removes_xmp_and_icc() -> None:
    original = phone_jpeg()
    assert b"Daan Mogot" in original

    photo = process_photo(original, **LIMITS)

    assert b"Daan Mogot" not in photo.data
    assert b"http://ns.adobe.com/xap/1.0/" not in photo.data
    assert decode(photo).info.get("icc_profile") is None


def test_process_photo_removes_jpeg_comment() -> None:
    original = encode(two_colour_image(), "JPEG", comment=b"Pelapor: Budi")
    assert b"Pelapor" in original

    photo = process_photo(original, **LIMITS)

    assert b"Pelapor" not in photo.data


def test_process_photo_converts_icc_colours_to_srgb() -> None:
    # sRGB primaries adapted to D50, with red and green swapped: pure red in
    # this colour space is sRGB green.
    srgb_red = (0.4361, 0.2225, 0.0139)
    srgb_green = (0.3851, 0.7169, 0.0971)
    srgb_blue = (0.1431, 0.0606, 0.7141)
    profile = rgb_matrix_profile(srgb_green, srgb_red, srgb_blue)
    original = encode(Image.new("RGB", (16, 16), RED), "PNG", icc_profile=profile)

    image = decode(process_photo(original, **LIMITS))

    assert is_close(image.getpixel((8, 8)), (0, 255, 0))


def test_process_photo_returns_jpeg() -> None:
    photo = process_photo(phone_jpeg(), **LIMITS)

    assert photo.content_type == "image/jpeg"
    assert photo.extension == ".jpg"
    assert decode(photo).format == "JPEG"
    assert decode(photo).mode == "RGB"


def test_process_photo_drops_appended_payload() -> None:
    payload = b"<script>alert(1)</script>PK\x03\x04"
    original = encode(two_colour_image(), "JPEG") + payload

    photo = process_photo(original, **LIMITS)

    assert payload not in photo.data


def test_process_photo_flattens_png_alpha_onto_white() -> None:
    original = encode(half_transparent_image(), "PNG")

    image = decode(process_photo(original, **LIMITS))

    assert is_close(image.getpixel((8, 16)), WHITE)
    assert is_close(image.getpixel((56, 16)), RED)


def test_process_photo_flattens_palette_transparency() -> None:
    palette_image = half_transparent_image().quantize(colors=4)
    original = encode(palette_image, "PNG")
    assert "transparency" in Image.open(io.BytesIO(original)).info

    image = decode(process_photo(original, **LIMITS))

    assert is_close(image.getpixel((8, 16)), WHITE)


def test_process_photo_accepts_webp() -> None:
    original = encode(two_colour_image(), "WEBP", quality=90)

    photo = process_photo(original, **LIMITS)

    assert photo.source_format == "WEBP"
    assert (photo.width, photo.height) == (64, 32)
    assert is_close(decode(photo).getpixel((8, 16)), RED)


def test_process_photo_flattens_webp_alpha_onto_white() -> None:
    original = encode(half_transparent_image(), "WEBP", lossless=True)

    image = decode(process_photo(original, **LIMITS))

    assert is_close(image.getpixel((8, 16)), WHITE)
    assert is_close(image.getpixel((56, 16)), RED)


def test_process_photo_accepts_cmyk_jpeg() -> None:
    original = encode(two_colour_image().convert("CMYK"), "JPEG")

    image = decode(process_photo(original, **LIMITS))

    assert image.mode == "RGB"
    assert is_close(image.getpixel((8, 16)), RED)


def test_process_photo_scales_16_bit_greyscale() -> None:
    original = encode(Image.new("I;16", (20, 20), 32768), "PNG")

    image = decode(process_photo(original, **LIMITS))

    assert is_close(image.getpixel((10, 10)), (128, 128, 128))


def test_process_photo_downscales_longest_side() -> None:
    original = encode(two_colour_image(400, 200), "PNG")

    photo = process_photo(original, max_bytes=10**6, max_pixels=10**6, max_side=100)

    assert (photo.width, photo.height) == (100, 50)


def test_process_photo_downscales_large_jpeg() -> None:
    original = encode(two_colour_image(3000, 1000), "JPEG")

    photo = process_photo(original, max_bytes=10**7, max_pixels=10**7, max_side=300)

    assert (photo.width, photo.height) == (300, 100)


def test_process_photo_keeps_small_photo_size() -> None:
    original = encode(two_colour_image(40, 30), "PNG")

    photo = process_photo(original, **LIMITS)

    assert (photo.width, photo.height) == (40, 30)


REJECTED_FILES = {
    "empty": (b"", "photo_empty"),
    "gif": (encode(two_colour_image(), "GIF"), "photo_unsupported_type"),
    "bmp": (encode(two_colour_image(), "BMP"), "photo_unsupported_type"),
    "tiff": (encode(two_colour_image(), "TIFF"), "photo_unsupported_type"),
    "svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "photo_unsupported_type",
    ),
    "html": (b"<!DOCTYPE html><html><body>hi</body></html>", "photo_unsupported_type"),
    "pdf": (b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n%%EOF\n", "photo_unsupported_type"),
    # process_photo never sees a file name, so a text file uploaded as
    # jalan-rusak.jpg arrives as just these bytes.
    "text named .jpg": (
        b"Jalan rusak di depan pasar, mohon segera diperbaiki.\n",
        "photo_unsupported_type",
    ),
    "random bytes": (random.Random(1).randbytes(4096), "photo_unsupported_type"),
    "truncated jpeg": (noisy_jpeg()[:6000], "photo_corrupt"),
    "jpeg header then html": (
        b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>" * 4,
        "photo_corrupt",
    ),
    "png header then garbage": (
        b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(200),
        "photo_corrupt",
    ),
}


@pytest.mark.parametrize(
    ("data", "code"), REJECTED_FILES.values(), ids=REJECTED_FILES.keys()
)
def test_process_photo_rejects_file(data: bytes, code: str) -> None:
    with pytest.raises(PhotoError) as caught:
        process_photo(data, **LIMITS)

    assert caught.value.code == code


def test_process_photo_reports_detected_type() -> None:
    with pytest.raises(PhotoError) as caught:
        process_photo(REJECTED_FILES["gif"][0], **LIMITS)

    assert caught.value.value == "GIF"
    assert "GIF" in caught.value.message_en


def test_process_photo_rejects_oversized_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("Image.open was called for an oversized file")

    monkeypatch.setattr(Image, "open", fail_open)
    original = encode(two_colour_image(), "PNG")

    with pytest.raises(PhotoError) as caught:
        process_photo(original, max_bytes=100, max_pixels=10**6, max_side=100)

    assert caught.value.code == "photo_too_large"
    assert caught.value.value == len(original)


def test_process_photo_rejects_png_bomb() -> None:
    bomb = png_bomb(20_000, 20_000)
    assert len(bomb) < 200_000

    with pytest.raises(PhotoError) as caught:
        process_photo(bomb, **LIMITS)

    assert caught.value.code == "photo_too_many_pixels"


def test_process_photo_turns_bomb_warning_into_error() -> None:
    # 100 megapixels is above Pillow 13's warning threshold (MAX_IMAGE_PIXELS,
    # about 89.5 megapixels) but below its error threshold (twice that) and
    # below max_pixels here, so only the warning stops this file.
    bomb = png_bomb(10_000, 10_000)

    with pytest.raises(PhotoError) as caught:
        process_photo(bomb, max_bytes=10**7, max_pixels=200_000_000, max_side=1600)

    assert caught.value.code == "photo_too_many_pixels"


def test_process_photo_rejects_pixels_over_limit() -> None:
    original = encode(two_colour_image(100, 100), "PNG")

    with pytest.raises(PhotoError) as caught:
        process_photo(original, max_bytes=10**6, max_pixels=5_000, max_side=100)

    assert caught.value.code == "photo_too_many_pixels"
    assert caught.value.value == 10_000


def test_process_photo_rejects_invalid_limit() -> None:
    with pytest.raises(ValueError, match="max_side"):
        process_photo(b"x", max_bytes=10, max_pixels=10, max_side=0)


def test_photo_error_messages_state_limit() -> None:
    with pytest.raises(PhotoError) as caught:
        process_photo(bytes(6 * 1024 * 1024), **LIMITS)

    assert "batas 5 MB" in caught.value.message_id
    assert "6 MB" in caught.value.message_id
    assert "5 MB limit" in caught.value.message_en
    assert str(caught.value) == caught.value.message_en


def test_photo_error_messages_use_local_decimal_mark() -> None:
    original = encode(two_colour_image(100, 100), "PNG")

    with pytest.raises(PhotoError) as caught:
        process_photo(original, max_bytes=10**6, max_pixels=2_500, max_side=100)

    assert "batas 0,0025 megapiksel" in caught.value.message_id
    assert "0.0025 megapixel limit" in caught.value.message_en


def test_photo_error_carries_http_status() -> None:
    with pytest.raises(PhotoError) as caught:
        process_photo(REJECTED_FILES["gif"][0], **LIMITS)

    assert caught.value.status == 415


def test_store_photo_uses_random_name(tmp_path: Path) -> None:
    photo = process_photo(phone_jpeg(), **LIMITS)

    first = store_photo(photo, tmp_path)
    second = store_photo(photo, tmp_path)

    assert STORED_NAME.match(first)
    assert first != second


def test_store_photo_writes_photo_bytes(tmp_path: Path) -> None:
    photo = process_photo(phone_jpeg(), **LIMITS)

    name = store_photo(photo, tmp_path)

    assert (tmp_path / name).read_bytes() == photo.data


def test_store_photo_sets_file_mode(tmp_path: Path) -> None:
    photo = process_photo(phone_jpeg(), **LIMITS)

    name = store_photo(photo, tmp_path)

    assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640


def test_store_photo_creates_directory(tmp_path: Path) -> None:
    directory = tmp_path / "photos" / "2026"
    photo = process_photo(phone_jpeg(), **LIMITS)

    store_photo(photo, directory)

    assert stat.S_IMODE(directory.stat().st_mode) == 0o750


def test_store_photo_leaves_no_temporary_file(tmp_path: Path) -> None:
    photo = process_photo(phone_jpeg(), **LIMITS)

    name = store_photo(photo, tmp_path)

    assert [path.name for path in tmp_path.iterdir()] == [name]


def test_store_photo_rejects_file_as_directory(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "photos"
    not_a_directory.write_text("")
    photo = process_photo(phone_jpeg(), **LIMITS)

    with pytest.raises(NotADirectoryError, match="photos"):
        store_photo(photo, not_a_directory)
