"""Recording and extraction: from the true world to what each LA returned each year.

Each census year's return holds every case open at any point in the year, as the LA knew
it at submission (31 March): a closure after 31 March is not yet known; later returns
may correct earlier ones. On the way, the record-level quirks of `config.toml [quirks]`
damage the records as LA systems do (BMJ Open 2019, "Data quality"):

- missing closure dates: a closed case stays "open" in the LA's system for a while, then
  drops out of the returns without ever being closed;
- re-referrals of open cases recorded as new referrals (phantom records, overlapping);
- referral dates amended between census years (the earlier return carries the error);
- UPN missing in some of a child's records, a second UPN for one child;
- two LAs using the same LAchildID for different children;
- LAs that did not submit a return, and early returns that left out open cases.

Value-level damage that only the NPD extract shows (legacy codes, placeholder dates …)
is done by `npd_writer.py`. Every quirk injected here is listed in the quirk log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cin_warehouse.synth import calendar as cal
from cin_warehouse.synth import geography
from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.returns import MODULES
from cin_warehouse.synth.world import World

NAT = cal.NAT
# Random stream of the service provision quirk ([seed, tag, year]; world.py uses 11-13).
SERVICE_QUIRK_STREAM = 14
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # A-Z without I, O, S: 23 letters, mod 23
# Identities whose UPNs are built at once (bounds the text temporaries of `upn`).
UPN_PART = 1 << 20
QUIRK_LOG = pa.schema(
    [
        ("census_year", pa.int16()),
        ("quirk", pa.string()),
        ("la_code", pa.string()),
        ("LAchildID", pa.string()),
        ("record_id", pa.int64()),
        ("field", pa.string()),
        ("true_value", pa.string()),
        ("written_value", pa.string()),
    ]
)


# The world columns the census years read through `Recorder.col` (text: `Recorder.codes`).
RECORDED_COLUMNS = (
    *(("episodes", c) for c in ("primary_need", "referral_source")),
    ("episodes", "transfer_in_icpc_date"),
    *(
        ("assessments", c)
        for c in ("episode_id", "assessment_seq", "start_date", "authorisation_date")
    ),
    *(("factors", c) for c in ("episode_id", "assessment_seq", "factor")),
    *(("s47", c) for c in ("episode_id", "start_date", "icpc_target_date", "icpc_date")),
    ("s47", "is_icpc_not_required"),
    *(
        ("cpps", c)
        for c in (
            "cpp_id",
            "episode_id",
            "start_date",
            "end_date",
            "initial_category",
            "latest_category",
            "previous_cpp_count",
        )
    ),
    *(("reviews", c) for c in ("cpp_id", "review_date")),
    *(("cin_plans", c) for c in ("episode_id", "start_date", "end_date")),
    *(
        ("services", c)
        for c in ("episode_id", "start_date", "end_date", "service_type", "service_provider")
    ),
)


def upn(la_code: np.ndarray, year: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """Valid 13-character UPNs: check letter, LA code, 2-digit year, 7-digit serial.

    The check letter is the sum of characters 2-13 weighted 2..13, modulo 23, indexed
    into A-Z without I, O and S (DfE's UPN specification; validation rule 1510)."""
    if len(la_code) == 0:
        return np.array([], dtype=object)
    if serial.max() >= 10**7:
        raise ValueError("more than 9,999,999 UPNs for one LA and year: scale too large")
    # Text of the widths needed ("U2", "U7": numpy's default for int64 is 21 characters,
    # 84 bytes a row, GBs at national scale while the world is still held).
    body = np.char.add(
        np.char.add(la_code.astype(str), np.char.zfill((year % 100).astype("U2"), 2)),
        np.char.zfill(serial.astype("U7"), 7),
    )
    digits = np.frombuffer(body.astype("S12").tobytes(), dtype=np.uint8).reshape(len(body), 12) - 48
    check = (digits * np.arange(2, 14, dtype=np.uint16)).sum(axis=1) % 23
    letters = np.array(list(UPN_CHECK_LETTERS))[check]
    return np.char.add(letters, body)


def _date_text(dates: np.ndarray) -> pa.Array:
    """YYYY-MM-DD text as an Arrow array, null for NaT. The returns' date columns are built
    this way: no Python string per date (the bulk of a year's values), which is faster and
    leaves no heap of small objects behind from year to year."""
    days = pa.array(np.asarray(dates).astype("datetime64[D]"), pa.date32(), from_pandas=True)
    return days.cast(pa.string())


def _flag_text(flags: np.ndarray) -> pa.Array:
    """Each flag as the text "1" (true) or "0" (false), an Arrow array: no Python string
    per row."""
    return pc.if_else(pa.array(flags, pa.bool_()), "1", "0")


def _iso(dates: np.ndarray) -> np.ndarray:
    """YYYY-MM-DD text, None for NaT, as Python objects (for the quirk log)."""
    return _date_text(dates).to_numpy(zero_copy_only=False)


def _col(table: pa.Table, name: str) -> np.ndarray:
    column = table[name]
    if pa.types.is_date32(column.type):
        return column.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    if pa.types.is_string(column.type):
        # Through a dictionary, so that rows share one Python string per distinct code:
        # at national scale tens of millions of short codes as separate Python objects
        # would need several GB.
        encoded = pc.dictionary_encode(column.combine_chunks())
        values = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
        indices = pc.fill_null(encoded.indices, -1).to_numpy()
        out = values[np.maximum(indices, 0)] if len(values) else np.full(len(indices), None)
        out[indices < 0] = None
        return out
    return column.to_numpy(zero_copy_only=False)


class _Codes:
    """A text column of few distinct values (codes), held for the whole run as a small
    integer per row into its distinct values (1 byte a row, 4 past 127 values, instead of
    an 8-byte pointer: at national scale the episodes', factors' and persons' codes took about a GB
    as object arrays). Indexing (integer or boolean) gives a numpy object array of the
    same shared Python strings, None where missing, as `_col` does."""

    def __init__(self, column: pa.Array | pa.ChunkedArray) -> None:
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        encoded = pc.dictionary_encode(column)
        values = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
        # The last value stands for a missing one.
        self.values = np.concatenate([values, np.array([None], dtype=object)])
        index = pc.fill_null(encoded.indices, len(values)).to_numpy()
        self.index = index.astype(np.int8 if len(self.values) <= 127 else np.int32)

    @classmethod
    def keyed(cls, values: np.ndarray, index: np.ndarray) -> _Codes:
        """Codes given as their distinct values and each row's index into them (-1:
        missing)."""
        codes = cls.__new__(cls)
        codes.values = np.concatenate([values.astype(object), np.array([None], dtype=object)])
        codes.index = index
        return codes

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, where: np.ndarray) -> np.ndarray:
        return self.values[self.index[where]]

    def arrow(self, where: np.ndarray) -> pa.Array:
        """The values `self[where]` gives, as an Arrow text array (null where missing),
        taken from the distinct values: a table's code column built this way skips the
        conversion of a Python string per row, a large part of a year's returns' CPU."""
        index = self.index[where]
        missing = (index < 0) | (index == len(self.values) - 1)
        dictionary = pa.array(self.values[:-1], pa.string())
        return dictionary.take(pa.array(index, mask=missing))


class _Texts:
    """A text column of every identity held as one Arrow array (about 15 bytes a value)
    instead of a numpy array of Python strings (8 bytes a pointer plus about 60 a string):
    at national scale the LAchildIDs and UPNs of every identity took over a GB for the
    whole run. Indexing with an integer array gives the values as a numpy object array
    (None where missing), as indexing the object array did; only a year's share of the
    values becomes Python strings, and only while that year is built."""

    def __init__(self, values: np.ndarray) -> None:
        self.array = pa.array(values, pa.string())

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, index: np.ndarray) -> np.ndarray:
        taken = self.array.take(pa.array(np.asarray(index, dtype=np.int64)))
        return taken.to_numpy(zero_copy_only=False)


@dataclass
class LARecords:
    """The LA records of episodes (true ones first, index = episode id; phantoms after):
    `Recorder.records`, read by the census years and written by `truth` as the records
    table."""

    episode: np.ndarray
    identity: np.ndarray
    is_phantom: np.ndarray
    referral: np.ndarray
    closure: np.ndarray
    reason: _Codes
    closure_missing: np.ndarray  # closure never recorded
    extra_open_years: np.ndarray  # years a missing closure keeps it in the returns
    amended_delta: np.ndarray  # days the first return's referral date is off
    amended_year: np.ndarray  # first census year with the corrected date (0: none)


class Recorder:
    """Builds each census year's returns from the world, deterministically for a seed."""

    def __init__(self, world: World, settings: GeneratorSettings) -> None:
        self.w: World | None = world
        self.s = settings
        self.rng = np.random.default_rng([settings.seed, 1])
        ep = world.episodes
        self.ep_identity = _narrow(_col(ep, "identity_id"))
        self.ep_referral = _col(ep, "referral_date")
        self.ep_closure = _col(ep, "closure_date")
        self.ep_nfa = _col(ep, "is_referral_nfa")
        ident = world.identities
        self.id_person = _narrow(_col(ident, "person_id"))
        self.id_area = _col(ident, "area_index")
        self.id_branch = _col(ident, "branch_index")
        self.id_area_code = _col(ident, "area_code")
        self.id_start = _col(ident, "start_date")
        self.id_reason = _Codes(ident["reason"])
        persons = world.persons
        self.p_birth = _col(persons, "birth_date")
        self.p_death = _col(persons, "death_date")
        self.p_sex = _Codes(persons["sex"])
        self.p_ethnicity = _Codes(persons["ethnicity"])
        self.p_disabilities = _Codes(persons["disabilities"])
        self.p_school = _col(persons, "attends_state_school")
        self.p_asylum_from = _col(persons, "asylum_seeking_from")
        self.p_asylum_ceased = _col(persons, "asylum_seeking_ceased")
        self.quirk_log: list[pa.Table] = []
        self._columns: dict[tuple[str, str], np.ndarray] = {}
        self._codes: dict[tuple[str, str], _Codes] = {}
        self._factor_assessment_row: np.ndarray | None = None
        self._factor_span: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
        self._spans: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._identity_keys()
        self.records = self._records(_col(ep, "closure_reason"))
        # Census year of each record's closure (0: open at the horizon), for every year.
        self._record_closure_year = np.where(
            np.isnat(self.records.closure),
            0,
            cal.census_year_of(self._fill(self.records.closure)),
        ).astype(np.int16)
        self._record_span = self._record_years()

    def col(self, table: str, name: str) -> np.ndarray:
        """A column of a world table as numpy, converted once (years reuse it)."""
        key = (table, name)
        if key not in self._columns:
            self._columns[key] = _narrow(_col(self._world_table(table, name), name))
        return self._columns[key]

    def codes(self, table: str, name: str) -> _Codes:
        """A text column of a world table as `_Codes`, converted once (years reuse it)."""
        key = (table, name)
        if key not in self._codes:
            self._codes[key] = _Codes(self._world_table(table, name)[name])
        return self._codes[key]

    def _world_table(self, table: str, name: str) -> pa.Table:
        if self.w is None:
            raise KeyError(
                f"{table}.{name} was not converted before the world was released:"
                " add it to recording.RECORDED_COLUMNS"
            )
        table_: pa.Table = getattr(self.w, table)
        return table_

    def release_world(self) -> None:
        """Convert every world column the returns need, then drop the world's tables: the
        recorder's copies (numpy, text as `_Codes`) are what the years read, and the Arrow
        originals of copied columns (dates, text) would otherwise stay in memory to the end."""
        world = self.w
        if world is None:
            return
        for table, name in RECORDED_COLUMNS:
            if pa.types.is_string(getattr(world, table).schema.field(name).type):
                self.codes(table, name)
            else:
                self.col(table, name)
        self.w = None

    # --- identities: LAchildID and UPN --------------------------------------------------
    def _identity_keys(self) -> None:
        rng, n = self.rng, len(self.id_person)
        # LAchildIDs: unique within an LA by construction (each area numbers its own
        # children), in one of a few formats as case systems differ (rules 1570, 1580).
        order = np.lexsort((np.arange(n), self.id_area))
        rank = np.empty(n, dtype=np.int64)
        starts = np.searchsorted(self.id_area[order], np.arange(self.id_area.max() + 1))
        rank[order] = np.arange(n) - starts[self.id_area[order]]
        number = 100000 + self.id_area.astype(np.int64) * 1_000_000 + rank
        style = self.id_area % 3
        # Each style's text built for its own rows only, from one conversion of the width
        # needed (numpy's default text of an int64 is 21 characters, 84 bytes a row: three
        # whole copies were GBs at national scale).
        text = number.astype(f"U{len(str(int(number.max(initial=0))))}")
        del number, rank, order
        ids = np.empty(n, dtype=object)
        for kind, make in enumerate(
            (
                lambda t: np.char.zfill(t, 10),
                lambda t: np.char.add("C", t),
                lambda t: np.char.add("LA", t),
            )
        ):
            rows = style == kind
            if rows.any():  # numpy's text functions refuse an empty array
                ids[rows] = make(text[rows])
        del text
        true_ids = ids.copy()
        # Quirk: two LAs using the same LAchildID for different children.
        rate = self.s.quirk_rate("la_child_id_collision", 2017)
        collide = np.flatnonzero(rng.random(n) < rate)
        donors = rng.integers(0, n, len(collide))
        ok = self.id_area[donors] != self.id_area[collide]
        collide, donors = collide[ok], donors[ok]
        ids[collide] = true_ids[donors]
        self._log(
            0,
            "la_child_id_collision",
            self.id_area_code[collide],
            ids[collide],
            np.full(len(collide), -1),
            "LAchildID",
            true_ids[collide],
            ids[collide],
        )
        # Kept in Arrow from here on (see _Texts).
        self.true_la_child_id, self.la_child_id = _Texts(true_ids), _Texts(ids)
        # The Python strings go now, not at the end: the UPNs below are built beside them.
        del ids, true_ids
        # UPN: allocated when a state-school child starts reception (September after the
        # 4th birthday); an adopted child gets a new one (BMJ Open 2019).
        birth = self.p_birth[self.id_person]
        birth_year = birth.astype("datetime64[Y]").astype(int) + 1970
        birth_month = birth.astype("datetime64[M]").astype(int) % 12 + 1
        entry_year = birth_year + 4 + (birth_month >= 9)
        entry = ((entry_year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + 8).astype(
            "datetime64[D]"
        )
        self.upn_date = np.where(
            self.p_school[self.id_person], np.maximum(entry, self.id_start), NAT
        )
        del birth, birth_year, birth_month, entry_year, entry
        year = np.where(
            np.isnat(self.upn_date), 2000, self.upn_date.astype("datetime64[Y]").astype(int) + 1970
        )
        has = ~np.isnat(self.upn_date)
        # Characters 2-4 are the LA that allocated the UPN, as it was coded on that day
        # (942/943 only exist from April 2023; rule 1530). Codes change only on the
        # geography's change dates, so one lookup serves each period between two of them.
        code = self.id_area_code.copy()  # the codes' shared strings, not one per identity
        changes = geography.code_change_dates()
        period = np.searchsorted(changes, self.upn_date, side="right")
        for p in np.unique(period[has]):
            rows = has & (period == p)
            when = changes[p - 1].item() if p else date(1900, 1, 1)
            code[rows], _ = geography.reporting_codes(
                self.id_area[rows], self.id_branch[rows], when
            )
        code = code.astype(str)
        # Quirk: a second UPN for one child, used in some of its returns.
        second = has & (rng.random(n) < self.s.quirk_rate("second_upn", 2017))
        # Serial numbers run within each LA and year of allocation, so every UPN (first
        # and second) is unique (rule 1520) and the 7 digits never overflow.
        # The group (LA code, year) as one integer: the code's position among the distinct
        # codes, then the four-digit year (text keys took twice the time to build and sort).
        code_index = _first_seen_index(code)
        group = code_index.astype(np.int64) * 10_000 + year
        serials = _rank_within_unsorted(np.concatenate([group, group[second]]))
        del group, code_index
        # Built a part at a time: the text of a UPN is taken apart into its digits and put
        # together again, several times its 13 characters for each identity.
        first_upn = np.empty(n, dtype=object)
        for start in range(0, n, UPN_PART):
            part = slice(start, start + UPN_PART)
            first_upn[part] = upn(code[part], year[part], serials[:n][part])
        first_upn[~has] = None
        second_upn = np.full(n, None, dtype=object)
        second_upn[second] = upn(code[second], year[second], serials[n:])
        self._share_upn_across_moves(first_upn, second_upn)
        self.upn, self.second_upn = _Texts(first_upn), _Texts(second_upn)

    def _share_upn_across_moves(self, first_upn: np.ndarray, second_upn: np.ndarray) -> None:
        """A UPN stays with a child for life, whichever LA allocated it; only adoption
        brings a new one (DfE's UPN guidance; BMJ Open 2019: "adopted: new UPN too"). So the
        identities of one child from its first referral or adoption up to the next adoption
        (a lineage: the first identity, then its moves) share one UPN, allocated on the
        lineage's school entry (or its first identity's start, if later) by the LA the
        child lived in that day: the lineage's identity with the latest start on or before
        it. That identity's own UPN above was allocated on the same day by the same LA, so
        it is taken as is; the other identities' own UPNs are never used."""
        order = np.lexsort((self.id_start, self.id_person))
        person = self.id_person[order]
        first = np.r_[True, person[1:] != person[:-1]] | (self.id_reason[order] != "moved LA")
        root = np.flatnonzero(first)
        lineage = np.cumsum(first) - 1
        allocated_on = self.upn_date[order][root][lineage]  # NaT: never at a state school
        position = np.arange(len(order))
        candidate = np.where(self.id_start[order] <= allocated_on, position, -1)
        allocator = order[np.maximum.reduceat(candidate, root)[lineage]]
        schooled = ~np.isnat(allocated_on)
        first_upn[order[schooled]] = first_upn[allocator[schooled]]
        second_upn[order[schooled]] = second_upn[allocator[schooled]]
        self.upn_date[order] = allocated_on

    # --- records: true episodes plus phantoms --------------------------------------------
    def _records(self, reasons: np.ndarray) -> LARecords:
        """`reasons`: each episode's closure reason (None while open)."""
        rng = self.rng
        e = len(self.ep_referral)
        closure_year = np.where(
            np.isnat(self.ep_closure), 0, cal.census_year_of(self._fill(self.ep_closure))
        )
        referral_year = cal.census_year_of(self.ep_referral)
        # Phantom re-referrals of open cases: a new referral recorded inside an open case.
        duration = (
            np.where(np.isnat(self.ep_closure), self._horizon(), self.ep_closure) - self.ep_referral
        ).astype(int)
        p_phantom = self._rate("open_case_rereferral", referral_year)
        phantom_of = np.flatnonzero(~self.ep_nfa & (duration > 30) & (rng.random(e) < p_phantom))
        offset = rng.integers(7, np.maximum(duration[phantom_of], 8))
        phantom_referral = self.ep_referral[phantom_of] + offset.astype("timedelta64[D]")
        # Half of phantoms are closed with their case; the rest are never closed.
        never_closed = (
            rng.random(len(phantom_of)) < self.s.cfg("quirks")["phantom_never_closed_share"]
        )
        episode = np.concatenate([np.arange(e), phantom_of])
        closure = np.concatenate([self.ep_closure, self.ep_closure[phantom_of]])
        # A phantom that is closed is closed for "any other reason" (RC7).
        # numpy's stubs reject None as a value of np.where (valid: an object array's missing),
        # here and below.
        phantom_reason = np.where(present(reasons[phantom_of]), "RC7", None)  # type: ignore[call-overload]
        reason = np.concatenate([reasons, phantom_reason])
        n = len(episode)
        closure_year = np.where(np.isnat(closure), 0, cal.census_year_of(self._fill(closure)))
        missing_rate = self._rate("missing_closure", closure_year)
        closure_missing = (closure_year > 0) & (rng.random(n) < missing_rate)
        closure_missing[e:] |= never_closed & (closure_year[e:] > 0)
        # A case whose closure was never recorded lingers on in the returns for a while
        # before the LA's clean-up drops it.
        extra = rng.geometric(self.s.cfg("quirks")["missing_closure_linger_p"], n) - 1
        # Referral date amended: the first return carries a date off by up to four weeks.
        ref = np.concatenate([self.ep_referral, phantom_referral])
        ref_year = cal.census_year_of(ref)
        spans = (closure_year == 0) | (closure_year > ref_year)
        amended = spans & (rng.random(n) < self._rate("referral_date_amended", ref_year))
        q = self.s.cfg("quirks")
        delta = rng.integers(1, q["amended_referral_max_days"] + 1, n) * np.where(
            rng.random(n) < q["amended_referral_earlier_share"], -1, 1
        )
        # Keep the wrong date inside its census year.
        wrong = ref + delta.astype("timedelta64[D]")
        delta = np.where(cal.census_year_of(wrong) != ref_year, -delta, delta)
        # The records are held for the whole run: ids in 4 bytes and years in 2, not 8
        # (the truth writes them as int64, as before).
        ids = np.int32 if max(n, len(self.id_person)) < 2**31 else np.int64
        return LARecords(
            episode=episode.astype(ids),
            identity=self.ep_identity[episode].astype(ids),
            is_phantom=np.arange(n) >= e,
            referral=ref,
            closure=closure,
            reason=_Codes(pa.array(reason, pa.string())),
            closure_missing=closure_missing,
            extra_open_years=extra.astype(np.int32),
            amended_delta=np.where(amended, delta, 0).astype(np.int32),
            amended_year=np.where(amended, ref_year + 1, 0).astype(np.int16),
        )

    def _record_years(self) -> tuple[np.ndarray, np.ndarray]:
        """The first and last census year each record can be in a return (int16, 32767:
        open at the horizon), computed once, so that a year looks at those records alone,
        not at the whole world's: a superset of the records `census_year_returns` keeps
        (outside 2008/09, whose retrospective cases were closed before it). First: the
        year of its referral date as first written or as amended (an amended date is kept
        inside its census year, `_records`). Last: the year of its closure, or the last
        year a closure never recorded lingers on."""
        r = self.records
        written = r.referral + r.amended_delta.astype("timedelta64[D]")
        first = np.minimum(cal.census_year_of(r.referral), cal.census_year_of(written))
        closure_year = self._record_closure_year.astype(np.int64)
        last = closure_year + np.where(r.closure_missing, r.extra_open_years, 0)
        never = np.iinfo(np.int16).max
        last = np.where(closure_year == 0, never, np.minimum(last, never))
        return first.astype(np.int16), last.astype(np.int16)

    def _record_candidates(self, census_year: int) -> np.ndarray:
        """Records (ascending) that can be in the year's returns: every record in 2008/09
        (its retrospective cases), else those whose span (`_record_years`) holds it."""
        if census_year == self.s.cfg("world")["first_census_year"]:
            return np.arange(len(self.records.episode))
        first, last = self._record_span
        return np.flatnonzero((first <= census_year) & (last >= census_year))

    def _horizon(self) -> np.datetime64:
        return cal.to_datetime64(cal.census_year_end(self.s.last_census_year))

    @staticmethod
    def _fill(dates: np.ndarray) -> np.ndarray:
        return np.where(np.isnat(dates), np.datetime64("2000-01-01"), dates)

    def _quirk(self, name: str, year: int) -> float:
        return self.s.quirk_rate(name, year) if year else 0.0

    def _rate(self, name: str, years: np.ndarray) -> np.ndarray:
        """Each record's rate of a quirk in its census year (0: none); np.vectorize's
        call per row was a sixth of the recorder's creation."""
        return cal.by_census_year(lambda year: self._quirk(name, year), years)

    def _log(self, year, quirk, la_code, child_id, record_id, field, true_value, written) -> None:
        n = len(la_code)

        def column(values: object) -> np.ndarray:
            return np.broadcast_to(np.asarray(values, dtype=object), (n,))

        if n:
            self.quirk_log.append(
                pa.table(
                    {
                        "census_year": np.full(n, year, dtype=np.int16),
                        "quirk": np.full(n, quirk, dtype=object),
                        "la_code": column(la_code),
                        "LAchildID": column(child_id),
                        "record_id": np.broadcast_to(np.asarray(record_id, dtype=np.int64), (n,)),
                        "field": column(field),
                        "true_value": column(true_value),
                        "written_value": column(written),
                    },
                    schema=QUIRK_LOG,
                )
            )

    # --- one census year ----------------------------------------------------------------
    def census_year_returns(self, census_year: int) -> dict[str, pa.Table]:
        """The returns of every LA that submitted, as the tables of `returns.py`."""
        r = self.records
        ref = cal.to_datetime64(cal.census_year_end(census_year))
        start = cal.to_datetime64(cal.census_year_start(census_year))
        recording = self.s.cfg("recording")
        # Every array below is one value per candidate record (`cand`, ascending record
        # numbers): the other records are in no return this year.
        cand = self._record_candidates(census_year)
        referral, closure = r.referral[cand], r.closure[cand]
        amended_year, closure_missing = r.amended_year[cand], r.closure_missing[cand]
        written_ref = np.where(
            (amended_year > 0) & (census_year < amended_year),
            referral + r.amended_delta[cand].astype("timedelta64[D]"),
            referral,
        )
        closure_year = self._record_closure_year[cand]
        open_at_ref = np.isnat(closure) | (closure > ref)
        closed_in_year = ~open_at_ref & (closure >= start)
        lingering = (
            closure_missing
            & (closure_year > 0)
            & (closure_year < census_year)
            & (census_year <= closure_year + r.extra_open_years[cand])
        )
        visible = (written_ref <= ref) & (open_at_ref | closed_in_year | lingering)
        # Cases referred before the collection period and still open are carried over.
        period_start = start
        retrospective = np.zeros(len(cand), dtype=bool)
        if census_year == self.s.cfg("world")["first_census_year"]:
            # 2008/09: 1 October 2008 to 31 March 2009, with retrospective cases; cases
            # referred from April to September 2008 are carried over into this first return.
            first = np.datetime64(recording["first_census_period_start"])
            period_start = first
            retro_from = np.datetime64(recording["retrospective_from"])
            # (Every record is a candidate this year: `cand` is every record number.)
            in_period = open_at_ref | (closure >= first) | lingering
            retrospective = (
                (closure >= retro_from)
                & (closure < first)
                & (self.rng.random(len(r.episode)) < self._quirk("retrospective_case", census_year))
                & ~in_period
                & (written_ref <= ref)
            )
            visible = (written_ref <= ref) & (in_period | retrospective)
        # Where the case is, and under which LA code it is reported that year: looked up
        # for the records in this year's returns only (the rest of the world's records
        # give None; nothing below reads them), held as a 4-byte key per record into the
        # year's codes (two 8-byte pointers per record of the world were more).
        ident = r.identity
        la_key = np.full(len(ident), -1, dtype=np.int32)
        shown = ident[cand[visible]]
        old_codes, new_codes, la_key[cand[visible]] = geography.reporting_code_keys(
            self.id_area[shown], self.id_branch[shown], cal.census_year_end(census_year)
        )
        la_old, la_new = _Codes.keyed(old_codes, la_key), _Codes.keyed(new_codes, la_key)
        # Quirk: early returns left out part of the cases carried over from earlier periods.
        # A retrospective case was closed before the period: returned on purpose, not carried.
        # (One draw for every record of the world, as the output depends on them all.)
        carried = visible & (written_ref < period_start) & ~retrospective
        left_out = carried & (
            np.random.default_rng([self.s.seed, 4, census_year]).random(len(r.episode))[cand]
            < self._quirk("open_case_not_returned", census_year)
        )
        if left_out.any():
            idx = cand[left_out]
            self._log(
                census_year,
                "open_case_not_returned",
                la_old[idx],
                self.la_child_id[ident[idx]],
                idx,
                "CINdetails",
                "open",
                None,
            )
            visible &= ~left_out
        missing_las = [] if self.s.clean else recording["missing_returns"].get(str(census_year), [])
        if missing_las:
            self._log_missing_returns(census_year, la_old, cand[visible], missing_las)
            visible[visible] = ~np.isin(la_old[cand[visible]], missing_las)
        if retrospective.any():
            idx = cand[retrospective & visible]
            written_closure = np.where(r.closure_missing[idx], np.datetime64("NaT"), r.closure[idx])
            self._log(
                census_year,
                "retrospective_case",
                la_old[idx],
                self.la_child_id[ident[idx]],
                idx,
                "CINclosureDate",
                _iso(r.closure[idx]),
                _iso(written_closure),
            )
        closure_written = ~open_at_ref & ~closure_missing
        # The year's records (ascending) and their written dates, one value per record.
        rec, written_ref = cand[visible], written_ref[visible]
        self._log_record_quirks(census_year, r, rec, la_old, written_ref, open_at_ref[visible])
        return self._tables(
            census_year, rec, la_old, la_new, written_ref, closure_written[visible], start, ref
        )

    def _log_missing_returns(self, year, la_old, shown, missing_las) -> None:
        """`shown`: the records (ascending) in the year's returns before the missing LAs'."""
        for la in missing_las:
            hit = shown[la_old[shown] == la]
            self._log(
                year,
                "missing_returns",
                np.full(len(hit), la),
                None,
                hit,
                "return",
                "submitted",
                None,
            )

    def _log_record_quirks(self, year, r, rec, la_old, written_ref, open_at_ref) -> None:
        """`rec`: the year's records (ascending); `written_ref`, `open_at_ref`: one value
        for each of them."""
        ids = self.la_child_id
        # Every return that shows a closed case as open: the year of the closure and the
        # years it lingers on (also when an earlier return left the case out).
        idx = rec[r.closure_missing[rec] & ~open_at_ref & ~r.is_phantom[rec]]
        self._log(
            year,
            "missing_closure",
            la_old[idx],
            ids[r.identity[idx]],
            idx,
            "CINclosureDate",
            _iso(r.closure[idx]),
            None,
        )
        # Every return that carries a phantom (also one referred before the first census,
        # or first returned after earlier returns left it out).
        idx = rec[r.is_phantom[rec]]
        self._log(
            year,
            "open_case_rereferral",
            la_old[idx],
            ids[r.identity[idx]],
            idx,
            "CINreferralDate",
            None,
            _iso(r.referral[idx]),
        )
        amended = written_ref != r.referral[rec]
        idx = rec[amended]
        self._log(
            year,
            "referral_date_amended",
            la_old[idx],
            ids[r.identity[idx]],
            idx,
            "CINreferralDate",
            _iso(r.referral[idx]),
            _iso(written_ref[amended]),
        )

    def _tables(self, year, rec, la_old, la_new, written_ref, closure_written, start, ref):
        """`rec`: the year's records (ascending); `written_ref`, `closure_written`: one
        value for each of them."""
        r = self.records
        ident = r.identity[rec]
        # Children: one per LA identity with a record this year, ordered by LA and ID.
        child_ident, first = np.unique(ident, return_index=True)
        child_la = la_old[rec][first]
        child_la9 = la_new[rec][first]
        child_id = self.la_child_id[child_ident]
        # Sorted by Arrow (stable, as np.lexsort): numpy sorts fixed-width text slowly.
        by = pa.table(
            {"la": pa.array(child_la, pa.string()), "id": pa.array(child_id, pa.string())}
        )
        order = pc.sort_indices(by, [("la", "ascending"), ("id", "ascending")])
        # The children's LA codes and LAchildIDs as Arrow text, in order: the tables' text
        # columns are taken from them, not converted from Python strings again.
        by = by.take(order)
        order = order.to_numpy()
        child_ident, child_la, child_la9, child_id = (
            child_ident[order],
            child_la[order],
            child_la9[order],
            child_id[order],
        )
        child_pos = _rank_within(child_la)
        # Each identity's row among the year's children (-1: none), to read its LA and
        # position by (a 4-byte array, not an array of Python objects the world's size).
        row_of_identity = np.full(len(self.id_person), -1, dtype=np.int32)
        row_of_identity[child_ident] = np.arange(len(child_ident))
        tables = {
            # The children are in LA order: each LA's first child (position 1) gives its
            # code, in the order np.unique gave (sorting the codes' Python strings again
            # cost more than the rest of the header).
            "header": self._header(year, child_la[child_pos == 1]),
            "child": self._children(
                year, child_ident, child_id, child_la, child_la9, child_pos, rec, ref, by
            ),
        }
        # CIN details: ordered by referral date within the child.
        c_order = np.lexsort((written_ref, ident))
        c_rec = rec[c_order]
        c_ident = r.identity[c_rec]
        c_child_pos = child_pos[row_of_identity[c_ident]]
        c_la = by["la"].take(row_of_identity[c_ident])
        c_pos = _rank_within(c_ident)
        true_rec = c_rec[~r.is_phantom[c_rec]]
        pos_of_episode = np.full(len(self.ep_referral), -1, dtype=np.int32)
        pos_of_episode[r.episode[true_rec]] = c_pos[~r.is_phantom[c_rec]]
        keys = {"census_year": year, "la": c_la, "child_pos": c_child_pos, "cin_pos": c_pos}
        tables["cin_details"] = self._cin_details(
            year, c_rec, keys, written_ref[c_order], closure_written[c_order]
        )
        tables.update(self._modules(year, c_rec, keys, pos_of_episode, start, ref))
        tables["disability"] = self._disabilities(year, tables["child"])
        return tables

    def _header(self, year: int, las: np.ndarray) -> pa.Table:
        n = len(las)
        return pa.table(
            {
                "census_year": np.full(n, year, dtype=np.int16),
                "la_code": las.astype(object),
                "ReferenceDate": np.full(n, f"{year}-03-31", dtype=object),
                "SoftwareCode": np.full(n, "CINSynth", dtype=object),
                "Release": np.full(n, "1.0", dtype=object),
                "SerialNo": np.full(n, "001", dtype=object),
                "DateTime": np.full(n, f"{year}-05-20T09:00:00", dtype=object),
            },
            schema=MODULES["header"],
        )

    def _children(self, year, ident, child_id, la, la9, child_pos, rec, ref, text) -> pa.Table:
        """`text`: the children's "la" code and "id" (LAchildID) as Arrow text."""
        rng = np.random.default_rng([self.s.seed, 2, year])
        person = self.id_person[ident]
        birth = self.p_birth[person]
        born = birth <= ref
        # The stubs reject None as a value of np.where (valid: an object array's missing).
        upn_now: np.ndarray = np.where(  # type: ignore[call-overload]
            ~np.isnat(self.upn_date[ident]) & (self.upn_date[ident] <= ref), self.upn[ident], None
        )
        # Quirk: a second UPN in some years.
        second = self.second_upn[ident]
        has_both = present(second) & present(upn_now)
        use_second = has_both & (
            rng.random(len(ident)) < self.s.cfg("quirks")["second_upn_year_share"]
        )
        written_upn = np.where(use_second, second, upn_now)
        self._log(
            year,
            "second_upn",
            la[use_second],
            child_id[use_second],
            np.full(use_second.sum(), -1),
            "UPN",
            upn_now[use_second],
            second[use_second],
        )
        # Quirk: UPN missing from this year's record.
        drop = present(written_upn) & (rng.random(len(ident)) < self._quirk("upn_missing", year))
        self._log(
            year,
            "upn_missing",
            la[drop],
            child_id[drop],
            np.full(drop.sum(), -1),
            "UPN",
            written_upn[drop],
            None,
        )
        written_upn = np.where(drop, None, written_upn)  # type: ignore[call-overload]
        # UPNunknown for children without a UPN: UN7 when all referrals were NFA, UN1
        # under school age, else one of the other reasons (rule 8772; docs/cin_census.md §4).
        # School age as rule 8770Q reads it: born on or before the ReferenceDate minus 6
        # years, from 2024/25 on or before 31 August of the ReferenceDate's year minus 6.
        r = self.records
        non_nfa = np.zeros(len(self.id_person), dtype=bool)
        np.logical_or.at(non_nfa, r.identity[rec], ~self.ep_nfa[r.episode[rec]])
        born_by = np.datetime64(
            date(year - 6, 8, 31) if year >= 2025 else date(year - 6, 3, 31), "D"
        )
        unknown = np.where(
            ~non_nfa[ident],
            "UN7",
            np.where(
                birth > born_by, "UN1", rng.choice(np.array(["UN2", "UN3", "UN5"]), len(ident))
            ),
        )
        unknown_missing = present(written_upn) | drop
        sex = self.p_sex[person]
        if year <= 2024:
            gender = np.where(~born, "0", np.where(sex == "M", "1", np.where(sex == "F", "2", "9")))
        else:
            gender = np.where(~born | (sex == "I"), "U", sex)
        death = self.p_death[person]
        n = len(ident)
        # Asylum status at some point in the year (NaT compares false: never, or not ended).
        since, until = self.p_asylum_from[person], self.p_asylum_ceased[person]
        asylum = (since <= ref) & ~(until < cal.to_datetime64(cal.census_year_start(year)))
        ceased = np.where(asylum & (until <= ref), until, NAT)
        return pa.table(
            {
                "census_year": np.full(n, year, dtype=np.int16),
                "la_code": text["la"],
                "child_pos": child_pos,
                "la_code_9": la9.astype(object),
                "person_id": person,
                "identity_id": ident,
                "LAchildID": text["id"],
                "UPN": written_upn,
                "FormerUPN": np.full(n, None, dtype=object),
                "UPNunknown": pa.array(unknown, pa.string(), mask=unknown_missing),
                "PersonBirthDate": _date_text(np.where(born, birth, NAT)),
                "ExpectedPersonBirthDate": _date_text(np.where(born, NAT, birth)),
                "Gender": pa.array(gender, pa.string()),
                "PersonDeathDate": _date_text(np.where(death <= ref, death, NAT)),
                "Ethnicity": pc.if_else(born, self.p_ethnicity.arrow(person), "NOBT"),
                "AsylumSeeking": _flag_text(asylum),
                "DateCeasedAsylumSeeking": _date_text(ceased),
            },
            schema=MODULES["child"],
        )

    def _cin_details(self, year, c_rec, keys, written_ref, closed) -> pa.Table:
        """`written_ref`, `closed` (closure date written): one value for each of `c_rec`."""
        r = self.records
        episode = r.episode[c_rec]
        primary = self.codes("episodes", "primary_need").arrow(episode)
        source = self.codes("episodes", "referral_source").arrow(episode)
        nfa = self.ep_nfa[episode]
        n = len(c_rec)
        # A transfer-in conference is recorded on CINdetails once held (a phantom record
        # has no activity of its own).
        icpc = np.where(
            r.is_phantom[c_rec], NAT, self.col("episodes", "transfer_in_icpc_date")[episode]
        )
        icpc = np.where(icpc <= np.datetime64(f"{year}-03-31"), icpc, NAT)
        return pa.table(
            {
                "census_year": np.full(n, year, dtype=np.int16),
                "la_code": keys["la"],
                "child_pos": keys["child_pos"],
                "cin_details_pos": keys["cin_pos"].astype(np.int16),
                "episode_id": episode,
                "record_id": c_rec,
                "is_phantom": r.is_phantom[c_rec],
                "CINreferralDate": _date_text(written_ref),
                "ReferralSource": source,
                "PrimaryNeedCode": primary,
                "CINclosureDate": _date_text(np.where(closed, r.closure[c_rec], NAT)),
                "ReasonForClosure": pc.if_else(
                    closed, r.reason.arrow(c_rec), pa.scalar(None, pa.string())
                ),
                "DateOfInitialCPC": _date_text(icpc),
                "ReferralNFA": _flag_text(nfa & ~r.is_phantom[c_rec]),
            },
            schema=MODULES["cin_details"],
        )

    def _year_span(
        self, key: str, dates: Callable[[], tuple[np.ndarray, np.ndarray]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The census years of each row's begin and end dates (`dates()`: end NaT while
        open, then the year is 32767; begin NaT: 32767 too), computed once: a row can be
        relevant to a year only between the two (`_modules`), so a year looks at those rows
        alone, not at the whole world's."""
        if key not in self._spans:
            begin, end = dates()
            self._spans[key] = (_census_year_or_never(begin), _census_year_or_never(end))
        return self._spans[key]

    def _candidates(self, year: int, table: str, begin: str, end: str) -> np.ndarray:
        """Rows (ascending) of a world table whose `begin` is in or before the year and
        whose `end` is in or after it, or missing: a superset of the rows `relevant` (in
        `_modules`) keeps, as `begin <= ref` implies the first and `end >= start` the
        second."""
        first, last = self._year_span(
            f"{table}.{begin}.{end}", lambda: (self.col(table, begin), self.col(table, end))
        )
        return np.flatnonzero((first <= year) & (last >= year))

    def _modules(self, year, c_rec, keys, pos_of_episode, start, ref) -> dict[str, pa.Table]:
        """Assessments, factors, s47, plans, reviews and CIN plans relevant to the year:
        those that ended in it, or were open at its end (DfE rules 8696, 8715, 8930, 4013).

        Each module's rows are taken as a list of row numbers: those that can be relevant
        to the year (`_candidates`), then those that are; every row-wise step works on the
        year's rows only."""
        cin_pos = pos_of_episode
        # Each true record's position in the year's CIN details, by episode (-1: none):
        # its LA and child position are read through it.
        true_mask = ~self.records.is_phantom[c_rec]
        row_of_episode = np.full(len(self.ep_referral), -1, dtype=np.int32)
        row_of_episode[self.records.episode[c_rec][true_mask]] = np.flatnonzero(true_mask)

        def relevant(rows, episode, begin, end):
            """The rows (of `rows`) of episodes in the year's returns that began by its
            end and ended in it or were open at its end."""
            e, b, d = episode[rows], begin[rows], end[rows]
            ok = cin_pos[e] >= 0
            ok &= b <= ref
            ok &= np.isnat(d) | (d > ref) | (d >= start)
            return rows[ok]

        def base(episode, rows, pos_name, pos):
            n = len(rows)
            row = row_of_episode[episode[rows]]
            return {
                "census_year": np.full(n, year, dtype=np.int16),
                "la_code": keys["la"].take(row),
                "child_pos": keys["child_pos"][row],
                "cin_details_pos": cin_pos[episode[rows]].astype(np.int16),
                pos_name: pos,
            }

        def written(end):
            return _date_text(np.where(end > ref, NAT, end))

        out: dict[str, pa.Table] = {}
        a_ep, a_start, a_auth = (
            self.col("assessments", "episode_id"),
            self.col("assessments", "start_date"),
            self.col("assessments", "authorisation_date"),
        )
        m = relevant(
            self._candidates(year, "assessments", "start_date", "authorisation_date"),
            a_ep,
            a_start,
            a_auth,
        )
        a_pos = _rank_within(a_ep[m])
        out["assessment"] = pa.table(
            {
                **base(a_ep, m, "assessment_pos", a_pos.astype(np.int16)),
                "AssessmentActualStartDate": _date_text(a_start[m]),
                "AssessmentInternalReviewDate": np.full(len(m), None, dtype=object),
                "AssessmentAuthorisationDate": written(a_auth[m]),
            },
            schema=MODULES["assessment"],
        )
        # Factors of the assessments written with an authorisation date (rule 8614).
        # Tables are sorted by (episode, sequence), so the keys below are sorted too; they
        # are built for the year's rows only (over all the world's factors, two 8-byte
        # arrays of them were among the largest of a year's temporaries).
        a_seq = self.col("assessments", "assessment_seq")
        authorised = np.zeros(len(a_ep), dtype=bool)
        authorised[m[~np.isnat(a_auth[m]) & (a_auth[m] <= ref)]] = True
        f_ep, f_code = self.col("factors", "episode_id"), self.codes("factors", "factor")
        f_seq = self.col("factors", "assessment_seq")
        f_row, f_first, f_last = self._factor_rows()
        f_cand = np.flatnonzero((f_first <= year) & (f_last >= year))
        f_mask = f_cand[authorised[f_row[f_cand]]]
        group = _module_key(f_ep[f_mask], f_seq[f_mask])
        f_apos = a_pos[np.searchsorted(_module_key(a_ep[m], a_seq[m]), group)].astype(np.int16)
        out["assessment_factor"] = pa.table(
            {
                **base(f_ep, f_mask, "assessment_pos", f_apos),
                "factor_pos": _rank_within(group).astype(np.int16),
                "AssessmentFactors": f_code.arrow(f_mask),
            },
            schema=MODULES["assessment_factor"],
        )
        s_ep, s_start, s_icpc = (
            self.col("s47", "episode_id"),
            self.col("s47", "start_date"),
            self.col("s47", "icpc_date"),
        )
        s_not = self.col("s47", "is_icpc_not_required")
        first, last = self._year_span(
            "s47.end", lambda: (s_start, np.where(s_not, s_start, s_icpc))
        )
        rows = np.flatnonzero((first <= year) & (last >= year))
        # An enquiry ends at its conference, or (ICPC not required) when it starts.
        s_end = np.where(s_not[rows], s_start[rows], s_icpc[rows])
        ok = relevant(np.arange(len(rows)), s_ep[rows], s_start[rows], s_end)
        m = rows[ok]
        out["section47"] = pa.table(
            {
                **base(s_ep, m, "s47_pos", _rank_within(s_ep[m]).astype(np.int16)),
                "S47ActualStartDate": _date_text(s_start[m]),
                "InitialCPCtarget": _date_text(self.col("s47", "icpc_target_date")[m]),
                "DateOfInitialCPC": written(s_icpc[m]),
                "ICPCnotRequired": _flag_text(s_not[m]),
            },
            schema=MODULES["section47"],
        )
        c_ep, c_start, c_end = (
            self.col("cpps", "episode_id"),
            self.col("cpps", "start_date"),
            self.col("cpps", "end_date"),
        )
        m = relevant(self._candidates(year, "cpps", "start_date", "end_date"), c_ep, c_start, c_end)
        c_pos = _rank_within(c_ep[m]).astype(np.int16)
        out["cpp"] = pa.table(
            {
                **base(c_ep, m, "cpp_pos", c_pos),
                "cpp_id": self.col("cpps", "cpp_id")[m],
                "CPPstartDate": _date_text(c_start[m]),
                "CPPendDate": written(c_end[m]),
                "InitialCategoryOfAbuse": self.codes("cpps", "initial_category").arrow(m),
                "LatestCategoryOfAbuse": self.codes("cpps", "latest_category").arrow(m),
                "NumberOfPreviousCPP": self.col("cpps", "previous_cpp_count")[m]
                .astype(str)
                .astype(object),
            },
            schema=MODULES["cpp"],
        )
        # Reviews held in the year, of the plans written this year.
        cpp_row = np.full(int(self.col("cpps", "cpp_id").max(initial=-1)) + 1, -1, dtype=np.int64)
        cpp_row[self.col("cpps", "cpp_id")[m]] = np.arange(len(m))
        r_cpp, r_date = self.col("reviews", "cpp_id"), self.col("reviews", "review_date")
        held = self._candidates(year, "reviews", "review_date", "review_date")
        rm = held[(cpp_row[r_cpp[held]] >= 0) & (r_date[held] >= start) & (r_date[held] <= ref)]
        row = cpp_row[r_cpp[rm]]
        cpp_table = out["cpp"]
        out["cpp_review"] = pa.table(
            {
                "census_year": np.full(len(rm), year, dtype=np.int16),
                "la_code": cpp_table["la_code"].take(row),
                "child_pos": cpp_table["child_pos"].to_numpy()[row],
                "cin_details_pos": cpp_table["cin_details_pos"].to_numpy()[row],
                "cpp_pos": cpp_table["cpp_pos"].to_numpy()[row],
                "review_pos": _rank_within(r_cpp[rm]).astype(np.int16),
                "CPPreviewDate": _date_text(r_date[rm]),
            },
            schema=MODULES["cpp_review"],
        )
        p_ep, p_start, p_end = (
            self.col("cin_plans", "episode_id"),
            self.col("cin_plans", "start_date"),
            self.col("cin_plans", "end_date"),
        )
        # CIN plan dates are collected from 2021/22 (docs/cin_census.md §3a).
        m = (
            relevant(
                self._candidates(year, "cin_plans", "start_date", "end_date"), p_ep, p_start, p_end
            )
            if year >= 2022
            else np.zeros(0, dtype=np.int64)
        )
        out["cin_plan_dates"] = pa.table(
            {
                **base(p_ep, m, "cin_plan_pos", _rank_within(p_ep[m]).astype(np.int16)),
                "CINPlanStartDate": _date_text(p_start[m]),
                "CINPlanEndDate": written(p_end[m]),
            },
            schema=MODULES["cin_plan_dates"],
        )
        out["service_provision"] = self._services(year, relevant, base, written)
        return out

    def _factor_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each factor's assessment row (-1 for a factor without an assessment, which is
        never written) and the census years of its assessment's start and authorisation
        (`_year_span`; never for a factor without one), found once for all years."""
        if self._factor_assessment_row is None:
            a_ep, a_seq = (
                self.col("assessments", "episode_id"),
                self.col("assessments", "assessment_seq"),
            )
            a_auth = self.col("assessments", "authorisation_date")
            f_ep, f_seq = self.col("factors", "episode_id"), self.col("factors", "assessment_seq")
            # a_key is sorted and unique.
            a_key, f_key = _module_key(a_ep, a_seq), _module_key(f_ep, f_seq)
            row = np.minimum(np.searchsorted(a_key, f_key), max(len(a_key) - 1, 0))
            found = (row < len(a_key)) & (a_key[row] == f_key) if len(a_key) else row < 0
            self._factor_assessment_row = _narrow(np.where(found, row, -1))
            del a_key, f_key
            first, last = self._year_span(
                "assessments.start_date.authorisation_date",
                lambda: (self.col("assessments", "start_date"), a_auth),
            )
            has = self._factor_assessment_row >= 0
            never = np.int16(np.iinfo(np.int16).max)
            rows = self._factor_assessment_row
            self._factor_span = (
                np.where(has, first[np.maximum(rows, 0)], never).astype(np.int16),
                np.where(has, last[np.maximum(rows, 0)], 0).astype(np.int16),
            )
        return self._factor_assessment_row, *self._factor_span

    def _services(self, year, relevant, base, written) -> pa.Table:
        """The 2008/09 service provision record (empty in other years). Quirk: end dates
        left out, except for services for children with disabilities (DCSF 2008)."""
        v_ep, v_start, v_end = (
            self.col("services", "episode_id"),
            self.col("services", "start_date"),
            self.col("services", "end_date"),
        )
        m = (
            relevant(
                self._candidates(year, "services", "start_date", "end_date"), v_ep, v_start, v_end
            )
            if year == self.s.cfg("world")["first_census_year"]
            else np.zeros(0, dtype=np.int64)
        )
        kind = self.codes("services", "service_type")[m]
        end = written(v_end[m]).to_numpy(zero_copy_only=False)
        rng = np.random.default_rng([self.s.seed, SERVICE_QUIRK_STREAM, year])
        drop = (
            present(end)
            & (kind != "CWD")
            & (rng.random(len(end)) < self._quirk("service_end_missing", year))
        )
        table = base(v_ep, m, "service_pos", _rank_within(v_ep[m]).astype(np.int16))
        self._log(
            year,
            "service_end_missing",
            table["la_code"].filter(pa.array(drop)).to_numpy(zero_copy_only=False),
            self.la_child_id[self.ep_identity[v_ep[m][drop]]],
            v_ep[m][drop],
            "ServiceProvisionEndDate",
            end[drop],
            None,
        )
        return pa.table(
            {
                **table,
                "ServiceType": kind,
                "ServiceProvider": self.codes("services", "service_provider").arrow(m),
                "ServiceProvisionStartDate": _date_text(v_start[m]),
                "ServiceProvisionEndDate": np.where(drop, None, end),
            },
            schema=MODULES["service_provision"],
        )

    def _disabilities(self, year: int, child: pa.Table) -> pa.Table:
        """Disabilities of born children with a non-NFA referral (rule 8540): their codes,
        or NONE."""
        person = child["person_id"].to_numpy()
        born = child["PersonBirthDate"].is_valid().to_numpy(zero_copy_only=False)
        not_un7 = pc.fill_null(pc.not_equal(child["UPNunknown"], "UN7"), True)
        eligible = np.flatnonzero(born & not_un7.to_numpy(zero_copy_only=False))
        codes = self.p_disabilities.arrow(person[eligible])
        codes = pc.if_else(pc.equal(codes, ""), "NONE", codes)
        lists = pc.split_pattern(codes, ";")
        idx = eligible[pc.list_parent_indices(lists).to_numpy()]
        n = len(idx)
        return pa.table(
            {
                "census_year": np.full(n, year, dtype=np.int16),
                "la_code": child["la_code"].take(idx),
                "child_pos": child["child_pos"].to_numpy()[idx],
                "disability_pos": _rank_within(idx).astype(np.int16),
                "Disability": pc.list_flatten(lists),
            },
            schema=MODULES["disability"],
        )

    def la_after_2009(self, child: pa.Table) -> pa.Table:
        """The code each child's LA had from 1 April 2009 (2008/09's LA_LGR column)."""
        identity = child["identity_id"].to_numpy()
        old, _ = geography.reporting_codes(
            self.id_area[identity], self.id_branch[identity], date(2009, 4, 1)
        )
        return pa.table({"identity_id": identity, "la_code_lgr": old.astype(str)})

    def quirks(self) -> pa.Table:
        if not self.quirk_log:
            return QUIRK_LOG.empty_table()
        return pa.concat_tables(self.quirk_log)


def _census_year_or_never(dates: np.ndarray) -> np.ndarray:
    """The census year of each date as int16, 32767 (never) where it is missing."""
    never = np.iinfo(np.int16).max
    return np.where(np.isnat(dates), never, cal.census_year_of(Recorder._fill(dates))).astype(
        np.int16
    )


def _module_key(episode: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """A key of (episode, sequence) that sorts as the pair does (sequences are below 8), in
    8 bytes: the ids are held in 4, and 8 times an id may not fit in them."""
    return episode.astype(np.int64) * 8 + seq


def _narrow(values: np.ndarray) -> np.ndarray:
    """An int64 array (ids, row numbers) as int32 when every value fits, else as it is;
    other types as they are. For arrays the recorder holds for the whole run: at national
    scale the ids of the factors, assessments and other modules read every year (and each
    factor's assessment row) took about 0.4 GB more in 8 bytes than in 4. The values are
    unchanged."""
    if values.dtype != np.int64 or (
        len(values)
        and (values.min() < np.iinfo(np.int32).min or values.max() > np.iinfo(np.int32).max)
    ):
        return values
    return values.astype(np.int32)


def _first_seen_index(values: np.ndarray) -> np.ndarray:
    """Each text's position among the distinct texts, in order of first appearance.

    pyarrow turns a numpy text array of more than about 5.6 million short strings into a
    ChunkedArray, whose chunks would each be dictionary-encoded on their own (and a
    ChunkedArray has no `indices`): the chunks are joined into one array first.
    """
    text = pa.array(values, pa.string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    return pc.dictionary_encode(text).indices.to_numpy()


def _rank_within_unsorted(groups: np.ndarray) -> np.ndarray:
    """1-based position of each element among the elements of its group, in input order."""
    order = np.argsort(groups, kind="stable")
    ranks = np.empty(len(groups), dtype=np.int64)
    ranks[order] = _rank_within(groups[order])
    return ranks


def present(values: np.ndarray) -> np.ndarray:
    """Element-wise `is not None` for an object array."""
    return np.not_equal(values, None)  # type: ignore[call-overload]  # stubs: no None operand


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """1-based position of each element within its run of equal, consecutive groups."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    change = np.ones(n, dtype=bool)
    change[1:] = groups[1:] != groups[:-1]
    starts = np.flatnonzero(change)
    run_start = np.repeat(starts, np.diff(np.append(starts, n)))
    return (np.arange(n) - run_start + 1).astype(np.int32)
