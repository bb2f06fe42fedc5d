"""What an adapter upload may be and how it is refused: the limits (from settings), the one
upload error (`AdapterRejected`), and the refusals both the archive and the checks raise."""

from collections.abc import Callable
from dataclasses import dataclass

from worker import peft_format

from .errors import GenerationError

MB = 1024 * 1024


class AdapterRejected(GenerationError):
    """An upload that cannot be served: the project's one domain error (`code` for programs,
    `message` with a hint for people), printed as "CODE: message" by upload_adapter."""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class UploadLimits:
    max_rank: int = 64
    max_adapter_bytes: int = 512 * MB
    max_unpacked_bytes: int = 1024 * MB
    max_members: int = 64

    @classmethod
    def from_settings(cls) -> "UploadLimits":
        from django.conf import settings

        return cls(
            max_rank=settings.LORALAND_MAX_RANK,
            max_adapter_bytes=settings.LORALAND_MAX_ADAPTER_MB * MB,
            max_unpacked_bytes=settings.LORALAND_MAX_UNPACKED_MB * MB,
            max_members=settings.LORALAND_MAX_ARCHIVE_MEMBERS,
        )


def rejected(error: peft_format.FormatError) -> AdapterRejected:
    return AdapterRejected(error.code, error.message)


def missing_config() -> AdapterRejected:
    return rejected(peft_format.missing_config())


def missing_weights() -> AdapterRejected:
    return rejected(peft_format.missing_weights())


def upload_too_large(limits: UploadLimits) -> Callable[[], AdapterRejected]:
    return lambda: AdapterRejected(
        "UPLOAD_TOO_LARGE",
        f"The adapter is larger than {limits.max_adapter_bytes / MB:g} MB, the most accepted "
        "here (LORALAND_MAX_ADAPTER_MB).",
    )
