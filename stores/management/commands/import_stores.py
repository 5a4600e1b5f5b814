from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stores.csv_import import MAX_BYTES, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, import_stores


class Command(BaseCommand):
    help = (
        "Create or update stores from a CSV file (UTF-8). Required columns: "
        + ", ".join(REQUIRED_COLUMNS)
        + "; optional: "
        + ", ".join(OPTIONAL_COLUMNS)
        + ". Nothing is imported if any row is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            if path.stat().st_size > MAX_BYTES:
                # Not read at all: import_stores would refuse it, after holding it all in memory.
                raise CommandError(f"{path} is larger than {MAX_BYTES // 1024 // 1024} MB; split it into parts.")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        report = import_stores(data)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} problem(s) found; nothing was imported.")
        self.stdout.write(self.style.SUCCESS(f"Imported: {report.created} created, {report.updated} updated."))
