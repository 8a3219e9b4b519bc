"""Check uploaded complaint photos and re-encode them as metadata-free JPEGs.

Citizens and field crews attach photos from phones, so the files carry EXIF
(GPS position, camera serial numbers, time), XMP and colour profiles. Every
accepted photo is decoded and encoded again, which drops all of it and also
drops any payload appended to or hidden in the original file.

Colour profiles: the pixels of a photo with an embedded ICC profile (Display
P3 from many phones, Adobe RGB, CMYK) are converted to sRGB and the profile is
dropped, so the stored JPEG is sRGB without an ICC tag. A profile that
littlecms cannot apply is ignored and the pixel values are kept unchanged.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import secrets
import struct
import tempfile
import warnings
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from PIL import Image
from PIL import ImageCms
from PIL import ImageOps
from PIL import UnidentifiedImageError

logger = logging.getLogger(__name__)

# Formats decided by Pillow from the content. Pillow reports a JPEG with a
# multi-picture index (common from phone cameras) as "MPO".
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
_DECODED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})

OUTPUT_CONTENT_TYPE = "image/jpeg"
OUTPUT_EXTENSION = ".jpg"
JPEG_QUALITY = 85
FILE_MODE = 0o640
DIRECTORY_MODE = 0o750

# Exceptions Pillow's decoders raise on malformed input.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)

_SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_WHITE = (255, 255, 255)

_HTTP_STATUS = {
    "photo_empty": 400,
    "photo_too_large": 413,
    "photo_unsupported_type": 415,
    "photo_corrupt": 422,
    "photo_too_many_pixels": 422,
}


class PhotoError(ValueError):
    """An uploaded photo was rejected.

    The messages come in both languages so the caller picks one by locale and
    needs no translation catalogue for them.

    Attributes:
        code: Machine-readable reason: "photo_empty", "photo_too_large",
            "photo_unsupported_type", "photo_corrupt" or "photo_too_many_pixels".
        message_id: Message for the user in Indonesian.
        message_en: The same message in English, also the exception text.
        value: The rejected value: the size in bytes, the detected format
            name, or the pixel count (None when Pillow stopped before the
            image size was known).
        status: HTTP status a view should return.
    """

    def __init__(self, code: str, message_id: str, message_en: str, value: object):
        super().__init__(message_en)
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.value = value
        self.status = _HTTP_STATUS[code]


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo re-encoded as a JPEG without metadata."""

    data: bytes = field(repr=False)
    width: int
    height: int
    content_type: str
    extension: str
    source_format: str


def process_photo(
    data: bytes, *, max_bytes: int, max_pixels: int, max_side: int
) -> ProcessedPhoto:
    """Check an uploaded photo and re-encode it as an sRGB JPEG.

    Pillow decides the format from the content; no file name or client
    content type is involved. The size is checked before decoding and the
    pixel count before decompression. The output is rotated by the EXIF
    orientation, flattened onto white and free of EXIF, GPS, XMP and ICC data.

    Args:
        data: The uploaded file.
        max_bytes: Largest accepted file size in bytes.
        max_pixels: Largest accepted width times height of the original.
        max_side: Maximum length in pixels of the output's longest side.
            Smaller photos are not enlarged.

    Returns:
        The re-encoded photo.

    Raises:
        PhotoError: The photo is empty, too large, not JPEG, PNG or WebP,
            damaged, or has too many pixels.
        ValueError: A limit is not a positive integer.
    """
    _check_limits(max_bytes=max_bytes, max_pixels=max_pixels, max_side=max_side)
    if not data:
        raise _empty_error()
    if len(data) > max_bytes:
        raise _too_large_error(len(data), max_bytes)

    # A warning filter turns Pillow's bomb warning into an exception. The
    # filter is process-wide and not thread-safe, which is why the explicit
    # max_pixels check in _open_image is the guard that must hold.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open_image(data, max_pixels)
        source_format = "JPEG" if image.format == "MPO" else str(image.format)
        image = _decode_image(image, source_format, max_pixels, max_side)

    image = _convert_to_srgb(image)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _encode_jpeg(image, source_format)


def store_photo(photo: ProcessedPhoto, directory: Path) -> str:
    """Write a processed photo under a new random file name.

    The file is written to a temporary file in ``directory`` and moved into
    place with ``os.replace``, so readers never see a partial photo. The name
    contains nothing from the upload. ``directory`` must lie outside the web
    root, because photos are meant to be sent by a view that checks access.

    Args:
        photo: The output of :func:`process_photo`.
        directory: Photo directory, created with mode 0o750 if missing.

    Returns:
        The file name (no directory part), e.g. ``"Xq3...Vw.jpg"``.
    """
    _ensure_directory(directory)
    name = secrets.token_urlsafe(16) + photo.extension

    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as file:
            file.write(photo.data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, directory / name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise

    logger.info("Stored photo %s (%d bytes)", name, len(photo.data))
    return name


def _check_limits(**limits: int) -> None:
    for name, limit in limits.items():
        if not isinstance(limit, int) or limit <= 0:
            raise ValueError(f"{name} must be a positive integer, got {limit!r}")


def _open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Parse the image header and check the pixel count before decoding."""
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except _BOMB_ERRORS as exc:
        raise _too_many_pixels_error(None, max_pixels) from exc
    except UnidentifiedImageError as exc:
        raise _unidentified_error(data) from exc
    except _DECODE_ERRORS as exc:
        raise _corrupt_error(_sniff_format(data)) from exc

    if image.format not in _DECODED_FORMATS:
        raise _unsupported_error(str(image.format))
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels_error(width * height, max_pixels)
    return image


def _decode_image(
    image: Image.Image, source_format: str, max_pixels: int, max_side: int
) -> Image.Image:
    """Decompress the pixels and apply the EXIF orientation."""
    # For JPEG, draft() lets libjpeg decode at 1/2, 1/4 or 1/8 scale while
    # both sides stay at least max_side, which saves memory on phone photos.
    image.draft("RGB", (max_side, max_side))
    try:
        image.load()
    except _BOMB_ERRORS as exc:
        raise _too_many_pixels_error(None, max_pixels) from exc
    except _DECODE_ERRORS as exc:
        raise _corrupt_error(source_format) from exc

    try:
        return ImageOps.exif_transpose(image)
    except _DECODE_ERRORS as exc:
        # A broken EXIF block should not cost the citizen the photo.
        logger.warning("Ignored unreadable EXIF in a %s photo: %s", source_format, exc)
        return image


def _convert_to_srgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white and convert the colours to sRGB."""
    icc_profile = image.info.get("icc_profile")

    if _has_alpha(image):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, _WHITE)
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode.startswith("I"):
        # 16-bit greyscale PNG: scale to 8 bits instead of clipping to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode not in ("RGB", "CMYK"):
        image = image.convert("RGB")

    if icc_profile:
        image = _apply_icc_profile(image, icc_profile)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or (
        "transparency" in image.info
    )


def _apply_icc_profile(image: Image.Image, icc_profile: bytes) -> Image.Image:
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            image, source_profile, _SRGB_PROFILE, outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        # The profile may not match the pixel mode (a greyscale profile on an
        # image converted to RGB) or may be malformed. Keep the raw colours.
        logger.info("Ignored unusable ICC profile in a photo: %s", exc)
        return image
    return converted if converted is not None else image


def _encode_jpeg(image: Image.Image, source_format: str) -> ProcessedPhoto:
    # Pillow 13's JPEG encoder copies a COM comment from image.info. A fresh
    # image has an empty info dictionary, so nothing from the upload's
    # metadata (comment, EXIF, XMP, ICC) can reach the encoder.
    clean = Image.new("RGB", image.size)
    clean.paste(image)

    buffer = io.BytesIO()
    clean.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return ProcessedPhoto(
        data=buffer.getvalue(),
        width=clean.width,
        height=clean.height,
        content_type=OUTPUT_CONTENT_TYPE,
        extension=OUTPUT_EXTENSION,
        source_format=source_format,
    )


def _ensure_directory(directory: Path) -> None:
    try:
        directory.mkdir(mode=DIRECTORY_MODE, parents=True)
    except FileExistsError:
        if not directory.is_dir():
            raise NotADirectoryError(
                f"Photo directory {str(directory)!r} exists but is not a "
                "directory. Point the photo directory setting at a directory."
            ) from None
        return
    # mkdir() applies the umask to the mode, so set it explicitly.
    os.chmod(directory, DIRECTORY_MODE)


def _sniff_format(data: bytes) -> str:
    """Name the file type from its first bytes, only to word error messages."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    if head.startswith(b"BM"):
        return "BMP"
    if head[4:8] == b"ftyp":
        return "HEIC/AVIF"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "SVG/HTML/XML"
    return "unknown"


def _format_megabytes(size: int, decimal_separator: str) -> str:
    # MB here means 1024 * 1024 bytes, so a limit of 5 * 1024 * 1024 reads "5 MB".
    text = f"{size / (1024 * 1024):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", decimal_separator) + " MB"


def _format_megapixels(pixels: int, decimal_separator: str) -> str:
    megapixels = pixels / 1_000_000
    # Two significant digits below one megapixel, so small limits do not read "0".
    text = f"{megapixels:.1f}" if megapixels >= 1 else f"{megapixels:.2g}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", decimal_separator)


def _empty_error() -> PhotoError:
    return PhotoError(
        "photo_empty",
        "Berkas foto kosong (0 bita). Pilih foto lagi lalu unggah ulang.",
        "The photo file is empty (0 bytes). Choose the photo again and upload it.",
        0,
    )


def _too_large_error(size: int, max_bytes: int) -> PhotoError:
    return PhotoError(
        "photo_too_large",
        f"Ukuran foto {_format_megabytes(size, ',')} melebihi batas "
        f"{_format_megabytes(max_bytes, ',')}. Kecilkan ukuran foto atau pilih "
        "foto lain, lalu unggah ulang.",
        f"The photo is {_format_megabytes(size, '.')}, larger than the "
        f"{_format_megabytes(max_bytes, '.')} limit. Make the photo smaller or "
        "choose another one, then upload it again.",
        size,
    )


def _unidentified_error(data: bytes) -> PhotoError:
    sniffed = _sniff_format(data)
    if sniffed in ACCEPTED_FORMATS:
        return _corrupt_error(sniffed)
    return _unsupported_error(sniffed)


def _unsupported_error(detected: str) -> PhotoError:
    detected_id = "format tidak dikenal" if detected == "unknown" else detected
    detected_en = "unknown format" if detected == "unknown" else detected
    return PhotoError(
        "photo_unsupported_type",
        f"Berkas ini bukan foto JPEG, PNG, atau WebP (terdeteksi: {detected_id}). "
        "Unggah foto dalam format JPEG, PNG, atau WebP.",
        f"The file is not a JPEG, PNG or WebP photo (detected: {detected_en}). "
        "Upload the photo as JPEG, PNG or WebP.",
        detected,
    )


def _corrupt_error(detected: str) -> PhotoError:
    return PhotoError(
        "photo_corrupt",
        f"Foto {detected} rusak atau tidak lengkap sehingga tidak dapat dibaca. "
        "Ambil ulang foto atau pilih foto lain, lalu unggah ulang.",
        f"The {detected} photo is damaged or incomplete and cannot be read. "
        "Take the photo again or choose another one, then upload it.",
        detected,
    )


def _too_many_pixels_error(pixels: int | None, max_pixels: int) -> PhotoError:
    limit_id = _format_megapixels(max_pixels, ",")
    limit_en = _format_megapixels(max_pixels, ".")
    found_id = "" if pixels is None else f" ({_format_megapixels(pixels, ',')})"
    found_en = "" if pixels is None else f" ({_format_megapixels(pixels, '.')})"
    return PhotoError(
        "photo_too_many_pixels",
        f"Resolusi foto{found_id} melebihi batas {limit_id} megapiksel. "
        "Kecilkan resolusi foto lalu unggah ulang.",
        f"The photo resolution{found_en} is above the {limit_en} megapixel limit. "
        "Reduce the photo resolution and upload it again.",
        pixels,
    )
