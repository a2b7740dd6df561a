"""Terminal tables that never cut an id, a version or a path.

Every rich table of the tool is built here (``tests/unit/test_tables.py`` checks that no other module
builds one), so that a table added later gets the layout rules right by default:

- an ``ID`` column (criterion and pack ids, versions, bundle paths, statuses, numbers, hashes) is
  never wrapped, never folded and never ellipsised: the column is as wide as its widest cell;
- a ``WORDS`` column (lists of ids, thresholds naming a metric, locations) wraps between words only:
  it is at least as wide as its longest word;
- a ``TEXT`` column (titles, sources, messages: free text) wraps, and folds a word longer than the
  column (``overflow="fold"``) rather than cutting it with an ellipsis.

When the console is too narrow for that (piped output and CI logs are 80 columns), the columns
marked ``optional`` are left out first; when it is still too narrow, the rows are printed as
records — one block per row, ``header: value`` lines wrapped between words — with lines longer
than the console rather than cut ones.  Cells are shown literally (no rich markup is interpreted:
a bundle path or a pilot-line name from a submission is data, not formatting) and cleaned of escape
sequences and control characters by :func:`liplanet_cert.infra.textsafe.clean`, as every message printed
with :func:`print_text` is.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

ID, WORDS, TEXT = "id", "words", "text"
NO_KEY = -1
TEXT_WORDS = 20  # a text column gets room for its longest word up to this width, else optional columns go
TEXT_MIN = 12  # a text column narrower than this is unreadable: print records instead


@dataclass(frozen=True)
class Col:
    """A column: its header, what it holds (ID, WORDS or TEXT) and how to show it."""

    header: str
    kind: str = TEXT
    justify: str = "left"
    style: str | None = None
    optional: bool | str = (
        False  # may be left out when the console is too narrow; a name: with the columns of that name
    )

    def __post_init__(self) -> None:
        if self.kind not in (ID, WORDS, TEXT):
            raise ValueError(f"column kind must be id, words or text, not {self.kind!r}")


def id_col(header: str, **kw: Any) -> Col:
    return Col(header, ID, **kw)


def words_col(header: str, **kw: Any) -> Col:
    return Col(header, WORDS, **kw)


def text_col(header: str, **kw: Any) -> Col:
    return Col(header, TEXT, **kw)


@dataclass
class _Row:
    cells: list[Any]
    style: str | None
    end_section: bool


class SafeTable:
    """A table whose ids are never cut; build it like a rich table, print it with :meth:`print`.

    ``key`` is the column that heads each record when the rows are printed as records (default:
    the first ID column; ``NO_KEY``: none, every cell is shown as ``header: value``).
    """

    def __init__(
        self,
        *columns: Col,
        title: str | None = None,
        header_style: str = "bold",
        show_lines: bool = False,
        expand: bool = False,
        title_justify: str = "center",
        key: int | None = None,
    ) -> None:
        if not columns:
            raise ValueError("a table needs at least one column")
        self.columns = list(columns)
        self.title = title
        self.header_style = header_style
        self.show_lines = show_lines
        self.expand = expand
        self.title_justify = title_justify
        self.key = key if key is not None else next((i for i, c in enumerate(columns) if c.kind == ID), 0)
        self.rows: list[_Row] = []

    def add_row(self, *cells: Any, style: str | None = None) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(_Row([_text(c) for c in cells], style, False))

    def add_section(self) -> None:
        if self.rows:
            self.rows[-1].end_section = True

    # -- layout --------------------------------------------------------------------------
    def print(self, console: Any) -> None:
        """Print on ``console`` as a table when it fits, else as records (never cutting an id).

        Tried in turn: every column with room for the longest word of each text column (up to
        ``TEXT_WORDS`` cells); the same without the optional columns (the last one first); then
        without them and text columns down to ``TEXT_MIN`` cells (a longer word is folded there);
        then records.
        """

        def group(i: int) -> Any:  # optional columns that share a name are left out together
            opt = self.columns[i].optional
            return opt if isinstance(opt, str) else i

        visible = list(range(len(self.columns)))
        attempts = [visible]
        for g in reversed(list(dict.fromkeys(group(i) for i in visible if self.columns[i].optional))):
            attempts.append([k for k in attempts[-1] if not (self.columns[k].optional and group(k) == g)])
        for cols, tight in [(a, False) for a in attempts] + [(attempts[-1], True)]:
            widths = self._layout(console, cols, tight)
            if widths is not None:
                console.print(self._rich_table(cols, widths, tight))
                return
        self._print_records(console)

    def _layout(self, console: Any, visible: list[int], tight: bool) -> list[int] | None:
        """Column widths (without padding) that keep every id whole, ``[]`` for rich's natural
        layout (everything fits), or None when the console is too narrow."""
        from rich.measure import Measurement

        options = console.options.update_width(1 << 16)
        natural, minimum, words = [], [], []
        for i in visible:
            col = self.columns[i]
            header, cells = _text(col.header), [r.cells[i] for r in self.rows]
            nat = max(1, max(Measurement.get(console, options, c).maximum for c in [header, *cells]))
            longest_word = min(nat, max(1, max(_longest_word(c) for c in [header, *cells])))
            natural.append(nat)
            words.append(longest_word)
            if col.kind == ID:  # whole cells; the header may wrap between its words
                cells_width = max((Measurement.get(console, options, c).maximum for c in cells), default=0)
                minimum.append(max(1, cells_width, _longest_word(header)))
            else:
                minimum.append(
                    longest_word
                    if col.kind == WORDS
                    else min(longest_word, TEXT_MIN if tight else TEXT_WORDS)
                )
        room = console.width - self._extra_width(len(visible), tight)
        if sum(natural) <= room:
            return []
        if sum(minimum) > room:
            return None
        widths = list(minimum)
        # first let text columns grow towards their longest word, the narrowest first, so that a
        # word is folded only when the console really is too narrow for it
        while sum(widths) < room:
            short = [k for k in range(len(widths)) if widths[k] < words[k]]
            if not short:
                break
            widths[min(short, key=lambda k: widths[k])] += 1
        spare = room - sum(widths)
        deficit = [n - w for n, w in zip(natural, widths)]
        total = sum(deficit)
        for k, d in enumerate(deficit):  # then share what is left in proportion to what each column lacks
            widths[k] += spare * d // total if total else 0
        k = 0
        while sum(widths) < room and any(w < n for w, n in zip(widths, natural)):
            if widths[k] < natural[k]:
                widths[k] += 1
            k = (k + 1) % len(widths)
        return widths

    def _extra_width(self, n: int, tight: bool) -> int:
        # outer edges (left out of a tight table), separators, one space of padding either side
        return (0 if tight else 2) + (n - 1) + 2 * n

    def _rich_table(self, visible: list[int], widths: list[int], tight: bool) -> Any:
        from rich.table import Table
        from rich.text import Text

        from liplanet_cert.infra.textsafe import clean

        title = Text(clean(self.title), style="table.title") if self.title else None  # literal, as the cells
        t = Table(
            title=title,
            header_style=self.header_style,
            show_lines=self.show_lines,
            expand=self.expand,
            title_justify=self.title_justify,
            show_edge=not tight,
        )  # type: ignore[arg-type]
        for k, i in enumerate(visible):
            col = self.columns[i]
            width = widths[k] if widths else None
            if col.kind == ID:
                # never wrapped; the column is at least as wide as its widest cell, so nothing is ever
                # cropped ("ignore" would also skip rich's justification of right-aligned numbers)
                header = Text(col.header, no_wrap=False, overflow="fold")  # a header may wrap between words
                t.add_column(
                    header,
                    justify=col.justify,
                    style=col.style,
                    no_wrap=True,  # type: ignore[arg-type]
                    overflow="ignore" if col.justify == "left" else "crop",
                    width=width,
                    min_width=width,
                )
            else:
                t.add_column(
                    Text(col.header), justify=col.justify, style=col.style, overflow="fold", width=width
                )  # type: ignore[arg-type]
        for r in self.rows:
            t.add_row(*(r.cells[i] for i in visible), style=r.style, end_section=r.end_section)
        return t

    def _print_records(self, console: Any) -> None:
        if self.title:
            print_text(console, self.title, "bold")
        for n, r in enumerate(self.rows):
            if self.key == NO_KEY:
                if n:
                    console.print()
                indent = ""
            else:
                head = r.cells[self.key].plain
                print_text(
                    console,
                    head if head.strip() else f"(no {self.columns[self.key].header})",
                    " ".join(s for s in (r.style or "", "bold") if s),
                )
                indent = "  "
            for i, col in enumerate(self.columns):
                if i != self.key and r.cells[i].plain.strip():
                    print_text(
                        console, f"{col.header}: {r.cells[i].plain}", _plain_style(r.cells[i]), indent=indent
                    )


def print_text(console: Any, text: str, style: str | None = None, indent: str = "") -> None:
    """Print a message wrapped between words at the console width; a word longer than a line (a
    path) stays whole on a line of its own rather than being folded or cut.  The text is shown
    literally and cleaned (:func:`liplanet_cert.infra.textsafe.clean`): it may hold bundle text."""
    from rich.text import Text

    from liplanet_cert.infra.textsafe import clean

    for para in clean(text).splitlines() or [""]:
        lines = textwrap.wrap(
            para,
            width=max(console.width, 20),
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
        for line in lines:
            console.print(Text(line, style=style or ""), crop=False, no_wrap=True, overflow="ignore")


def _text(cell: Any) -> Any:
    """A cell as rich Text, shown literally (no markup) and cleaned of escape sequences and control
    characters (a ``Text`` built elsewhere too: it keeps its style, and its spans when it was clean);
    a tab is a space (rich would measure it as one cell and print it as up to eight)."""
    from rich.text import Text

    from liplanet_cert.infra.textsafe import clean, is_clean

    if isinstance(cell, Text):
        if is_clean(cell.plain) and "\t" not in cell.plain:
            return cell
        return Text(
            clean(cell.plain).replace("\t", " "),
            style=cell.style,
            justify=cell.justify,
            overflow=cell.overflow,
            no_wrap=cell.no_wrap,
        )
    return Text(clean("" if cell is None else cell).replace("\t", " "))


def _longest_word(text: Any) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for w in text.plain.split()), default=0)


def _plain_style(text: Any) -> str:
    style = text.style
    return style if isinstance(style, str) else str(style or "")
