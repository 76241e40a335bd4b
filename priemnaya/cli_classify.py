"""`priemnaya classify`: classify a text, evaluate on a labeled CSV, retrain on a region's history.

    priemnaya classify "Третий день нет горячей воды"
    priemnaya classify eval history.csv [--json]
    priemnaya classify train history-2023.csv history-2024.csv

The lead attaches `classify` to the main group; `make_classify_group(extra_examples=...)` builds
one whose `train` also learns from stored corrections (a callable returning (text, sector) pairs).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from core.classification import Classifier
from core.classification.catalogue import catalogue_codes
from core.classification.corpus import CORPUS_DIR, load_corpus, pairs, read_labeled_csv
from core.classification.evaluation import format_report, scores
from core.classification.retraining import train_regional
from core.classification.store import DEFAULT_MODEL_PATH, load_classifier

ExtraExamples = Callable[[], Iterable[tuple[str, str]]]

MODEL_ENV = "CLASSIFIER_MODEL_PATH"
CACHE_ENV = "CLASSIFIER_CACHE_DIR"
THRESHOLD_ENV = "CLASSIFIER_CONFIDENCE_THRESHOLD"
DEFAULT_THRESHOLD = 0.55


class TextOrCommandGroup(click.Group):
    """A group whose unknown first argument is the text to classify (`classify "текст"`)."""

    text_command = "text"

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands:
            return self.text_command, self.commands[self.text_command], args
        return super().resolve_command(ctx, args)


def _open_model(ctx: click.Context) -> Classifier:
    model_path: Path | None = ctx.obj["model"]
    try:
        return load_classifier(model_path, cache_dir=ctx.obj["cache_dir"], progress=True)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


def _decision_dict(res: Any) -> dict[str, Any]:
    return {
        "sector": res.sector,
        "confidence": round(res.confidence, 4),
        "runner_up": res.runner_up,
        "runner_up_confidence": round(res.runner_up_confidence, 4),
        "reasons": res.reasons,
        "ranking": [[code, round(p, 4)] for code, p in res.ranking],
    }


def make_classify_group(extra_examples: ExtraExamples | None = None) -> click.Group:
    """The `classify` group; `extra_examples` supplies stored corrections to `train`."""

    @click.group(
        "classify",
        cls=TextOrCommandGroup,
        invoke_without_command=False,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    @click.option(
        "--model",
        "model_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar=MODEL_ENV,
        help=f"Model file [env {MODEL_ENV}; default {DEFAULT_MODEL_PATH} if present, "
        "else the default model trained from the shipped corpus].",
    )
    @click.option(
        "--cache-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=CACHE_ENV,
        help=f"Where the default model is cached [env {CACHE_ENV}; default ./var/models].",
    )
    @click.pass_context
    def classify(ctx: click.Context, model_path: Path | None, cache_dir: Path | None) -> None:
        """Sector classification: `classify "текст"`, `classify eval FILE`, `classify train`."""
        ctx.ensure_object(dict)
        ctx.obj.update(model=model_path, cache_dir=cache_dir)

    @classify.command("text", hidden=True)
    @click.argument("words", nargs=-1, required=True)
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.option(
        "--threshold",
        type=click.FloatRange(0.0, 1.0),
        envvar=THRESHOLD_ENV,
        default=DEFAULT_THRESHOLD,
        show_default=True,
        help="Below this confidence the citizen is asked to choose the sector.",
    )
    @click.pass_context
    def classify_text(
        ctx: click.Context, words: tuple[str, ...], as_json: bool, threshold: float
    ) -> None:
        """Classify one text (the words are joined by spaces)."""
        clf = _open_model(ctx)
        res = clf.classify(" ".join(words))
        confident = res.is_confident(threshold)
        if as_json:
            data = _decision_dict(res) | {"confident": confident, "threshold": threshold}
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        click.echo(f"sector: {res.sector} ({res.confidence:.2f})")
        if res.runner_up:
            click.echo(f"runner-up: {res.runner_up} ({res.runner_up_confidence:.2f})")
        click.echo(f"because of: {', '.join(res.reasons) if res.reasons else '-'}")
        click.echo("ranking: " + ", ".join(f"{code} {p:.2f}" for code, p in res.ranking))
        if not confident:
            click.echo(
                f"low confidence (< {threshold:.2f}): ask the citizen to choose: "
                + ", ".join(res.top(4))
            )

    @classify.command("eval")
    @click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.pass_context
    def classify_eval(ctx: click.Context, csv_file: Path, as_json: bool) -> None:
        """Accuracy, macro-F1, per-sector table and confusion matrix on a CSV (text, sector)."""
        try:
            rows = read_labeled_csv(csv_file)
        except (ValueError, UnicodeDecodeError) as exc:
            raise click.ClickException(str(exc)) from exc
        if not rows:
            raise click.ClickException(f"{csv_file}: no labeled rows")
        clf = _open_model(ctx)
        texts = [r.text for r in rows]
        predicted: list[str] = []
        step = 500
        with tqdm(total=len(texts), desc="classifying", unit="text", disable=as_json) as bar:
            for start in range(0, len(texts), step):
                predicted += clf.predict(texts[start : start + step])
                bar.update(len(texts[start : start + step]))
        result = scores([r.sector for r in rows], predicted)
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False, indent=2))
            return
        unknown = sorted({r.sector for r in rows} - set(clf.classes))
        click.echo(format_report(result, title=f"{csv_file} ({len(rows)} texts)"))
        if unknown:
            click.echo(f"\nsectors the model does not know (counted as errors): {unknown}")

    @classify.command("train")
    @click.argument(
        "csv_files",
        nargs=-1,
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
    )
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Where to save the model [default: --model, else ./var/models/classifier.joblib].",
    )
    @click.option(
        "--corpus/--no-corpus",
        default=True,
        show_default=True,
        help="Also learn from the corpus the project ships (covers every sector and style).",
    )
    @click.option(
        "--clean/--keep-all",
        default=True,
        show_default=True,
        help="Set aside history rows the shipped model confidently contradicts (mis-filed "
        "cases); only with --corpus.",
    )
    @click.option(
        "--sectors",
        "sectors_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Sector catalogue (TOML) fixing the sector order [default: core/data/sectors.toml].",
    )
    @click.pass_context
    def classify_train(
        ctx: click.Context,
        csv_files: tuple[Path, ...],
        output: Path | None,
        corpus: bool,
        clean: bool,
        sectors_file: Path | None,
    ) -> None:
        """Retrain on a region's labeled history (CSV with text, sector) and save the model.

        Each file is a source of its own; with the shipped corpus the files share half of the
        weight, the sectors are balanced within each source, and stored corrections count as
        the heaviest history rows.
        """
        history: list[list[tuple[str, str]]] = []
        for path in csv_files:
            try:
                rows = read_labeled_csv(path)
            except (ValueError, UnicodeDecodeError) as exc:
                raise click.ClickException(str(exc)) from exc
            history.append(list(pairs(rows)))
            click.echo(f"{path}: {len(rows)} examples", err=True)
        extra: list[tuple[str, str]] = []
        if extra_examples is not None:
            extra = list(extra_examples())
            click.echo(f"stored corrections: {len(extra)} examples", err=True)
        shipped: list[tuple[str, str]] = []
        prior = None
        if corpus:
            shipped = list(pairs(load_corpus(CORPUS_DIR)))
            click.echo(f"shipped corpus: {len(shipped)} examples", err=True)
            if clean:
                prior = Classifier.load_default(ctx.obj["cache_dir"], progress=True)
        try:
            clf, done = train_regional(
                history,
                corpus=shipped,
                corrections=extra,
                prior=prior,
                sectors=catalogue_codes(sectors_file),
                progress=True,
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        if prior is not None:
            aside = ", ".join(f"{k} {v}" for k, v in sorted(done.set_aside.items())) or "none"
            click.echo(
                f"set aside {done.set_aside_total} history rows the shipped model "
                f"confidently contradicts ({aside})",
                err=True,
            )
        target = output or ctx.obj["model"] or DEFAULT_MODEL_PATH
        clf.save(target)
        counts = ", ".join(f"{k} {v}" for k, v in clf.info["per_sector"].items())
        click.echo(
            f"saved {target} ({clf.info['examples']} examples, {clf.info['trained_seconds']} s; "
            f"{counts})"
        )

    return classify


#: The group the lead attaches to `priemnaya` (no stored corrections wired in).
classify = make_classify_group()


if __name__ == "__main__":
    classify(prog_name="priemnaya classify")
