"""The true world: children, their LA identities, and what happened to their cases.

Vectorised with numpy: children arrive (first referral) in each area as a Poisson process
scaled to the area's child population; each referral then follows the pathway of
docs/cin_census.md §2 (NFA, or assessment, then maybe s47, ICPC, plans, CIN plans, closure), and a
closed case may be followed by a re-referral, in the same LA or, after a move, in another
one. Each loop turn ("generation") handles the k-th referral of every child at once.
A child who moves while on a plan is met by the receiving LA's transfer-in conference,
which starts a new plan without an enquiry. Some teenagers are unaccompanied asylum
seekers (factor 9A while the status lasts), and children in need in 2008/09 receive the
services that year's census recorded.

Dates are numpy datetime64[D]; NaT means "had not happened by the end of the simulation".
Nothing here is damaged: `recording.py` turns this truth into what LAs submitted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cin_warehouse.synth import calendar as cal
from cin_warehouse.synth import geography
from cin_warehouse.synth.config import GeneratorSettings, by_year
from cin_warehouse.synth.memory import release_free_memory

NAT = cal.NAT
DAYS_PER_MONTH = 30.4375
OUTCOME_NFA, OUTCOME_ASSESSED_NOT_IN_NEED, OUTCOME_CIN = 0, 1, 2
# Tags of the random streams of later additions ([seed, tag]); the recorder uses 1-3.
TRANSFER_STREAM, ASYLUM_STREAM, SERVICE_STREAM = 11, 12, 13


@dataclass
class World:
    """The truth, as columnar tables (see `truth.py` for what each column means)."""

    persons: pa.Table
    identities: pa.Table
    episodes: pa.Table
    assessments: pa.Table
    factors: pa.Table
    s47: pa.Table
    cpps: pa.Table
    reviews: pa.Table
    cin_plans: pa.Table
    services: pa.Table


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    codes = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return rng.choice(codes, n, p=p / p.sum())


def _draw_bands(rng: np.random.Generator, bands: list[list[float]], n: int) -> np.ndarray:
    """A value uniform within a band chosen by weight; bands are [low, high, weight]."""
    b = np.array(bands, dtype=float)
    which = rng.choice(len(b), n, p=b[:, 2] / b[:, 2].sum())
    return rng.uniform(b[which, 0], b[which, 1])


def _draw_bands_by_year(
    rng: np.random.Generator,
    bands: list[list[float]],
    weights: list[dict[str, float]],
    census_years: np.ndarray,
) -> np.ndarray:
    """Like `_draw_bands`, each band [low, high] weighted by census year (`by_year`)."""
    edges = np.array(bands, dtype=float)
    years, row = np.unique(census_years, return_inverse=True)
    w = np.array([[by_year(table, int(y)) for table in weights] for y in years])
    cumulative = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)[:, :-1]
    which = (rng.random(len(row))[:, None] >= cumulative[row]).sum(axis=1)
    return rng.uniform(edges[which, 0], edges[which, 1])


def _rate_by_census_year(table: dict[str, float], census_years: np.ndarray) -> np.ndarray:
    return cal.by_census_year(lambda year: by_year(table, year), census_years)


def _days(values: np.ndarray) -> np.ndarray:
    return np.round(values).astype("timedelta64[D]")


def _cut_future(dates: np.ndarray, horizon: np.datetime64) -> np.ndarray:
    """Events after the end of the simulation have not happened (yet)."""
    return np.where(dates > horizon, NAT, dates)


def _later(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise later of two date arrays, ignoring NaT."""
    return np.where(np.isnat(a), b, np.where(np.isnat(b), a, np.maximum(a, b)))


class _Collector:
    """Columns appended generation by generation, each part turned into an Arrow array of
    its final type at once (a date in 4 bytes, not numpy's 8; a code as text, not a Python
    object pointer), then concatenated at the end: the world's tables are the largest
    thing the generator holds, and numpy parts kept until the end doubled them."""

    def __init__(self, schema: dict[str, pa.DataType]) -> None:
        self.schema = schema
        self.parts: dict[str, list[pa.Array]] = {}

    def add(self, **columns: np.ndarray) -> None:
        for name, values in columns.items():
            kind = self.schema[name]
            values = np.asarray(values)
            if pa.types.is_date32(kind):
                values = values.astype("datetime64[D]")
            array = pa.array(values, type=kind, from_pandas=True)
            # pyarrow converts a large numpy text array in chunks (seen at scale 0.5).
            if isinstance(array, pa.ChunkedArray):
                array = array.combine_chunks()
            self.parts.setdefault(name, []).append(array)

    def table(self) -> pa.Table:
        """The columns as an Arrow table, in schema order, each column's parts freed once
        concatenated."""
        arrays = {}
        for name, kind in self.schema.items():
            parts = self.parts.pop(name, [])
            arrays[name] = pa.concat_arrays(parts) if parts else pa.array([], type=kind)
        return pa.table(arrays)


_DATE, _I64, _STR, _BOOL, _I16 = pa.date32(), pa.int64(), pa.string(), pa.bool_(), pa.int16()
PERSONS = {
    "person_id": _I64,
    "birth_date": _DATE,
    "is_prebirth_referral": _BOOL,
    "sex": _STR,
    "ethnicity": _STR,
    "disabilities": _STR,
    "attends_state_school": _BOOL,
    "asylum_seeking_from": _DATE,
    "asylum_seeking_ceased": _DATE,
}
IDENTITIES = {
    "identity_id": _I64,
    "person_id": _I64,
    "area_index": pa.int32(),
    "branch_index": _I16,
    "start_date": _DATE,
    "reason": _STR,
}
EPISODES = {
    "episode_id": _I64,
    "person_id": _I64,
    "identity_id": _I64,
    "area_index": pa.int32(),
    "referral_date": _DATE,
    "closure_date": _DATE,
    "closure_reason": _STR,
    "outcome": pa.int8(),
    "is_referral_nfa": _BOOL,
    "primary_need": _STR,
    "referral_source": _STR,
    "transfer_in_icpc_date": _DATE,
}
ASSESSMENTS = {
    "episode_id": _I64,
    "assessment_seq": _I16,
    "start_date": _DATE,
    "authorisation_date": _DATE,
    "kind": _STR,
}
FACTORS = {"episode_id": _I64, "assessment_seq": _I16, "factor": _STR}
S47 = {
    "episode_id": _I64,
    "s47_seq": _I16,
    "start_date": _DATE,
    "icpc_target_date": _DATE,
    "icpc_date": _DATE,
    "is_icpc_not_required": _BOOL,
}
CPPS = {
    "cpp_id": _I64,
    "episode_id": _I64,
    "person_id": _I64,
    "start_date": _DATE,
    "end_date": _DATE,
    "initial_category": _STR,
    "latest_category": _STR,
    "previous_cpp_count": pa.int32(),
}
REVIEWS = {"cpp_id": _I64, "review_seq": _I16, "review_date": _DATE}
CIN_PLANS = {"episode_id": _I64, "plan_seq": _I16, "start_date": _DATE, "end_date": _DATE}


def simulate(settings: GeneratorSettings) -> World:
    rng = np.random.default_rng(settings.seed)
    return _Simulation(settings, rng).run()


class _Simulation:
    def __init__(self, settings: GeneratorSettings, rng: np.random.Generator) -> None:
        self.s = settings
        self.rng = rng
        # Later additions draw from their own streams, never from the pathway's: asylum
        # status and services leave the pathway as it was, and so does a transfer-in share
        # of 0. Transfer-ins themselves change later generations (a transfer-in episode
        # takes another course), so from the first one on the pathway's draws fall on
        # other episodes: a statistically equal world, not the same one.
        self.transfer_rng = np.random.default_rng([settings.seed, TRANSFER_STREAM])
        self.asylum_rng = np.random.default_rng([settings.seed, ASYLUM_STREAM])
        self.transfer = settings.cfg("transfer_in")
        self.path = settings.cfg("pathway")
        self.horizon = cal.to_datetime64(cal.census_year_end(settings.last_census_year))
        all_areas = geography.areas()
        if settings.la_codes:
            unknown = set(settings.la_codes) - {a.old_code for a in all_areas}
            if unknown:
                raise ValueError(f"unknown LA codes {sorted(unknown)}; use current 3-digit codes")
            self.areas = [a for a in all_areas if a.old_code in settings.la_codes]
        else:
            self.areas = list(all_areas)
        # Index of each simulated area in geography.areas(): identities carry that one.
        self.global_index = np.array([a.index for a in self.areas], dtype=np.int32)
        self.branch_count = np.array([len(a.branches) for a in self.areas])
        share = np.array([a.population_share for a in self.areas])
        sigma = settings.cfg("volume")["la_rate_sigma"]
        # Each LA's own rate around the national one (mean-one lognormal multiplier).
        self.area_weight = share * rng.lognormal(-(sigma**2) / 2, sigma, len(self.areas))
        self.persons = _Collector(PERSONS)
        self.identities = _Collector(IDENTITIES)
        self.episodes = _Collector(EPISODES)
        self.assessments = _Collector(ASSESSMENTS)
        self.factors = _Collector(FACTORS)
        self.s47 = _Collector(S47)
        self.cpps = _Collector(CPPS)
        self.reviews = _Collector(REVIEWS)
        self.cin_plans = _Collector(CIN_PLANS)
        self.n_persons = 0
        self.n_identities = 0
        # person -> the areas a moving child has left (see _never_back)
        self.areas_left: dict[int, set[int]] = {}
        self.n_episodes = 0
        self.n_cpps = 0
        # Per person, the number of plans so far (NumberOfPreviousCPP).
        self.cpp_count: np.ndarray = np.zeros(0, dtype=np.int32)
        self.person_birth: np.ndarray = np.zeros(0, dtype="datetime64[D]")
        self.person_death: np.ndarray = np.zeros(0, dtype="datetime64[D]")

    # --- arrivals --------------------------------------------------------------------
    def _arrivals(self) -> tuple[np.ndarray, np.ndarray]:
        """First referrals: (area index into self.areas, referral date)."""
        volume = self.s.cfg("volume")
        share = self.s.cfg("rereferral")["first_referral_share"]
        areas, dates = [], []
        for census_year in range(self.s.first_simulated_census_year, self.s.last_census_year + 1):
            # Re-referrals follow the children already known, i.e. last year's volume, so
            # a change in referrals from one year to the next is made by new children.
            referrals = by_year(volume["referrals"], census_year)
            previous = by_year(volume["referrals"], census_year - 1)
            national = (referrals - (1 - share) * previous) * self.s.scale
            counts = self.rng.poisson(national * self.area_weight)
            start = cal.to_datetime64(cal.census_year_start(census_year))
            if census_year == self.s.first_simulated_census_year:
                start = cal.to_datetime64(self.s.simulation_start)
            span = (
                int((cal.to_datetime64(cal.census_year_end(census_year)) - start).astype(int)) + 1
            )
            total = int(counts.sum())
            areas.append(np.repeat(np.arange(len(self.areas)), counts))
            dates.append(start + self.rng.integers(0, span, total).astype("timedelta64[D]"))
        return np.concatenate(areas), np.concatenate(dates)

    def _new_persons(self, referral: np.ndarray) -> np.ndarray:
        """Create people first referred on these dates; returns their ids."""
        n = len(referral)
        cfg = self.s.cfg("children")
        ids = np.arange(self.n_persons, self.n_persons + n)
        self.n_persons += n
        prebirth = self.rng.random(n) < cfg["prebirth_share"]
        age_w = np.array(cfg["age_weights"], dtype=float)
        age_years = self.rng.choice(len(age_w), n, p=age_w / age_w.sum())
        age_days = age_years * 365.25 + self.rng.uniform(0, 365, n)
        birth = np.where(
            prebirth,
            referral + self.rng.integers(14, 250, n).astype("timedelta64[D]"),
            referral - _days(age_days),
        )
        sex = np.where(
            self.rng.random(n) < cfg["indeterminate"],
            "I",
            np.where(self.rng.random(n) < cfg["male"] / (cfg["male"] + cfg["female"]), "M", "F"),
        )
        disabilities = _disabilities(self.rng, cfg, n)
        asylum_from, asylum_ceased = self._asylum_status(referral, birth, prebirth, age_years)
        boy = self.asylum_rng.random(n) < self.s.cfg("asylum")["male_share"]
        sex = np.where(np.isnat(asylum_from), sex, np.where(boy, "M", "F"))
        self.persons.add(
            person_id=ids,
            birth_date=birth,
            is_prebirth_referral=prebirth,
            sex=sex,
            ethnicity=_pick(self.rng, cfg["ethnicity"], n),
            disabilities=np.array(disabilities, dtype=object),
            attends_state_school=self.rng.random(n) < cfg["state_school_share"],
            asylum_seeking_from=asylum_from,
            asylum_seeking_ceased=asylum_ceased,
        )
        self.cpp_count = np.concatenate([self.cpp_count, np.zeros(n, dtype=np.int32)])
        self.person_birth = np.concatenate([self.person_birth, birth])
        self.person_death = np.concatenate([self.person_death, np.full(n, NAT)])
        return ids

    def _asylum_status(
        self, referral: np.ndarray, birth: np.ndarray, prebirth: np.ndarray, age: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Unaccompanied asylum-seeking children: some of those first referred aged 14-17,
        from that referral until leave to remain is granted or their 18th birthday
        (config.toml [asylum]). Returns (from, ceased), NaT for other children."""
        cfg = self.s.cfg("asylum")
        n = len(referral)
        rng = self.asylum_rng
        uasc_draw, leave_draw, when = rng.random(n), rng.random(n), rng.random(n)
        lo, hi = cfg["age_years"]
        rate = _rate_by_census_year(
            cfg["share_of_first_referrals_in_age"], cal.census_year_of(referral)
        )
        uasc = ~prebirth & (age >= lo) & (age <= hi) & (uasc_draw < rate)
        adult = birth + _days(np.full(n, 18 * 365.25))
        leave = referral + _days(when * (adult - referral).astype(float))
        ceased = np.where(leave_draw < cfg["leave_granted_before_18_share"], leave, adult)
        ceased = np.maximum(ceased, referral + np.timedelta64(1, "D"))
        return (
            np.where(uasc, referral, NAT),
            np.where(uasc, _cut_future(ceased, self.horizon), NAT),
        )

    def _new_identities(
        self, person: np.ndarray, area: np.ndarray, start: np.ndarray, reason: str
    ) -> np.ndarray:
        """An LA's record of a child: new on first referral, a move, or an adoption."""
        n = len(person)
        ids = np.arange(self.n_identities, self.n_identities + n)
        self.n_identities += n
        n_branches = self.branch_count[area]
        branch = np.floor(self.rng.random(n) * n_branches).astype(np.int16)
        self.identities.add(
            identity_id=ids,
            person_id=person,
            area_index=self.global_index[area],
            branch_index=branch,
            start_date=start,
            reason=np.full(n, reason, dtype=object),
        )
        return ids

    # --- one referral per active child -------------------------------------------------
    def run(self) -> World:
        area, referral = self._arrivals()
        person = self._new_persons(referral)
        identity = self._new_identities(person, area, referral, "first referral")
        # A first referral is never a transfer-in (no conference date).
        transfer_icpc = np.full(len(person), NAT)
        while len(person):
            person, identity, area, referral, transfer_icpc = self._episode_generation(
                person, identity, area, referral, transfer_icpc
            )
            # The generation's numpy arrays are freed; the tables below are Arrow's, which
            # would not reuse their pages (memory.py).
            release_free_memory()
        return self._world()

    def _episode_generation(
        self,
        person: np.ndarray,
        identity: np.ndarray,
        area: np.ndarray,
        referral: np.ndarray,
        transfer_icpc: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One referral of each child. `transfer_icpc` is the date of the receiving LA's
        transfer-in conference where the child moved in while on a plan (NaT otherwise)."""
        rng, path, n = self.rng, self.path, len(person)
        episode = np.arange(self.n_episodes, self.n_episodes + n)
        self.n_episodes += n
        census_year = cal.census_year_of(referral)
        u = rng.random(n)
        p_nfa = _rate_by_census_year(path["nfa"], census_year)
        p_ainn = _rate_by_census_year(path["assessed_not_in_need"], census_year)
        outcome = np.where(
            u < p_nfa,
            OUTCOME_NFA,
            np.where(u < p_nfa + p_ainn, OUTCOME_ASSESSED_NOT_IN_NEED, OUTCOME_CIN),
        )
        # A child who moves in on a plan is a child in need in the receiving LA.
        transfer_in = ~np.isnat(transfer_icpc)
        outcome = np.where(transfer_in, OUTCOME_CIN, outcome)
        is_cin = outcome == OUTCOME_CIN
        assessed = outcome != OUTCOME_NFA

        last_assessment_end = self._assessments(episode, referral, assessed, is_cin)
        # A transfer-in has no section 47 enquiry in the receiving LA: its plan starts at
        # the transfer-in conference instead.
        last_cpp_end, first_cpp_start, last_s47_event = self._protection(
            episode, person, referral, is_cin & ~transfer_in
        )
        t_end, t_start = self._transfer_in_plans(episode, person, transfer_icpc)
        last_cpp_end = np.where(transfer_in, t_end, last_cpp_end)
        first_cpp_start = np.where(transfer_in, t_start, first_cpp_start)
        # Never closed before the conference (even one after the horizon, which leaves the
        # episode open).
        last_s47_event = _later(last_s47_event, transfer_icpc)

        # Closure. NFA: the day of the referral or the next working day (a decision within
        # one working day, Working Together; rule 8569Q queries an NFA referral still open
        # in a later return unless it came on the last working day of the year).
        # Assessed not in need: after the authorisation. CIN: a drawn duration, but never
        # before its assessments and plans end.
        # The drawn months times the year's `cin_duration_factor` (config.toml: the truth's
        # durations are shortened where closures missing from the returns keep cases open).
        base = referral + _days(
            _draw_bands(rng, path["cin_duration_month_bands"], n)
            * _rate_by_census_year(path["cin_duration_factor"], census_year)
            * DAYS_PER_MONTH
        )
        # Support ends at 18, for care leavers at 25 (config.toml [world]): however long
        # the drawn duration, a case does not outlast the 25th birthday (rule 8775Q).
        # 25 years are at least 9,131 days.
        base = np.minimum(base, self.person_birth[person] + np.timedelta64(25 * 365 + 6, "D"))
        base = _later(base, last_assessment_end + _days(rng.integers(1, 30, n)))
        base = _later(base, last_cpp_end + _days(rng.integers(1, 120, n)))
        # Never before its enquiries and conferences either (rules 8565, 8868).
        base = _later(base, last_s47_event + _days(rng.integers(1, 30, n)))
        closure = np.where(
            outcome == OUTCOME_NFA,
            np.where(
                rng.integers(0, 3, n) == 0,
                referral,
                cal.add_working_days(referral + np.timedelta64(1, "D"), 0),
            ),
            np.where(
                outcome == OUTCOME_ASSESSED_NOT_IN_NEED,
                last_assessment_end + rng.integers(0, 6, n).astype("timedelta64[D]"),
                base,
            ),
        )
        # An open assessment or plan at the horizon keeps the episode open.
        still_running = (assessed & np.isnat(last_assessment_end)) | (
            ~np.isnat(first_cpp_start) & np.isnat(last_cpp_end)
        )
        closure = np.where(still_running, NAT, _cut_future(closure, self.horizon))
        reason = self._closure_reasons(outcome, closure, person)
        moved_on_plan = self._moves_on_plan(
            reason, last_cpp_end, last_assessment_end, last_s47_event
        )
        # The plan was running when the child moved: it ends, and the case closes, that day.
        closure = np.where(moved_on_plan, last_cpp_end, closure)
        self._cin_plans(
            episode, is_cin, last_assessment_end, first_cpp_start, last_cpp_end, closure
        )

        source = _pick(rng, path["referral_source"], n)
        source = np.where(
            (census_year >= 2023) & (rng.random(n) < path["referral_source_5d_share"]), "5D", source
        )
        self.episodes.add(
            episode_id=episode,
            person_id=person,
            identity_id=identity,
            area_index=self.global_index[area],
            referral_date=referral,
            closure_date=closure,
            closure_reason=reason,
            outcome=outcome,
            is_referral_nfa=outcome == OUTCOME_NFA,
            primary_need=_pick(rng, path["primary_need"], n),
            # Every referral has a source; the NPD extract has the column from 2013/14 on,
            # and the XML schema requires it on every CINdetails.
            referral_source=source,
            transfer_in_icpc_date=_cut_future(transfer_icpc, self.horizon),
        )
        return self._next_referrals(person, identity, area, closure, reason, moved_on_plan)

    def _moves_on_plan(
        self,
        reason: np.ndarray,
        last_cpp_end: np.ndarray,
        last_assessment_end: np.ndarray,
        last_s47_event: np.ndarray,
    ) -> np.ndarray:
        """Episodes closed RC5 whose child moved while on their last plan: those whose
        plan was the last event of the case (no later assessment or enquiry), at the
        configured share. The draw covers every episode so the stream never depends on
        how many qualify."""
        draw = self.transfer_rng.random(len(reason))
        ended = ~np.isnat(last_cpp_end)
        last = ended & ~(last_assessment_end > last_cpp_end) & ~(last_s47_event > last_cpp_end)
        return (reason == "RC5") & last & (draw < self.transfer["moved_on_plan_share"])

    def _transfer_in_plans(
        self, episode: np.ndarray, person: np.ndarray, icpc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The plan a transfer-in conference starts (on its date; DfE rule 2885).
        Returns (end, start) per episode, NaT where none."""
        n = len(episode)
        idx = np.flatnonzero(~np.isnat(icpc) & (icpc <= self.horizon))
        rng = self.transfer_rng
        start = icpc[idx]
        months = _draw_bands(rng, self.path["cpp_duration_month_bands"], len(idx))
        end = start + np.maximum(_days(months * DAYS_PER_MONTH), np.timedelta64(1, "D"))
        end = _cut_future(end, self.horizon)
        self._plans(episode[idx], person[idx], start, end, rng)
        out_end, out_start = np.full(n, NAT), np.full(n, NAT)
        out_end[idx], out_start[idx] = end, start
        return out_end, out_start

    def _assessments(
        self, episode: np.ndarray, referral: np.ndarray, assessed: np.ndarray, is_cin: np.ndarray
    ) -> np.ndarray:
        """Assessments of assessed referrals; returns the last authorisation date."""
        rng, path = self.rng, self.path
        idx = np.flatnonzero(assessed)
        start = cal.add_working_days(referral[idx], rng.integers(0, 4, len(idx)))
        single = referral[idx] >= np.datetime64(path["single_assessment_from"])
        duration = np.where(
            single,
            np.round(_draw_bands(rng, path["assessment_wd_bands"], len(idx))),
            rng.integers(1, 16, len(idx)),  # initial assessment: 10 working days target
        ).astype(int)
        auth = cal.add_working_days(start, duration)
        rows = [(idx, start, auth, np.where(single, "single", "initial"))]
        # Core assessments (before 2013/14) follow some initial assessments of CIN cases.
        core = ~single & is_cin[idx] & (rng.random(len(idx)) < path["core_assessment_share"])
        core_start = cal.add_working_days(auth[core], rng.integers(0, 5, core.sum()))
        core_auth = cal.add_working_days(core_start, rng.integers(20, 51, core.sum()))
        rows.append((idx[core], core_start, core_auth, np.full(core.sum(), "core")))
        last_end = np.full(len(episode), NAT)
        for seq, (rows_idx, s, a, kind) in enumerate(rows, start=1):
            keep = s <= self.horizon
            a = _cut_future(a, self.horizon)
            ids = episode[rows_idx[keep]]
            self.assessments.add(
                episode_id=ids,
                assessment_seq=np.full(keep.sum(), seq),
                start_date=s[keep],
                authorisation_date=a[keep],
                kind=kind[keep],
            )
            self._factors(ids, seq, a[keep], is_cin[rows_idx[keep]])
            # NaT when the assessment is still open at the horizon: the episode stays open.
            last_end[rows_idx] = np.where(keep, a, last_end[rows_idx])
        return last_end

    def _factors(self, episode: np.ndarray, seq: int, auth: np.ndarray, is_cin: np.ndarray) -> None:
        """Factors identified at the end of authorised assessments."""
        rng = self.rng
        done = ~np.isnat(auth)
        counts = (
            rng.choice(
                len(self.path["factors_per_assessment"]),
                done.sum(),
                p=self.path["factors_per_assessment"],
            )
            + 1
        )
        none_found = ~is_cin[done] & (
            rng.random(done.sum()) < self.path["no_factor_share_not_in_need"]
        )
        counts = np.where(none_found, 1, counts)
        ep = np.repeat(episode[done], counts)
        year = np.repeat(cal.census_year_of(auth[done]), counts)
        codes = _factor_codes(rng, self.path["factor_weights"], year)
        codes = np.where(np.repeat(none_found, counts), "21", codes)
        self.factors.add(
            episode_id=ep,
            assessment_seq=np.full(len(ep), seq),
            factor=codes,
        )

    def _protection(
        self, episode: np.ndarray, person: np.ndarray, referral: np.ndarray, is_cin: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """s47 enquiries, ICPCs and plans of CIN episodes (up to two rounds an episode).
        Returns (end of the last plan, start of the first plan, date of the last enquiry
        or conference)."""
        rng, path = self.rng, self.path
        n = len(episode)
        census_year = cal.census_year_of(referral)
        last_end = np.full(n, NAT)
        first_start = np.full(n, NAT)
        last_event = np.full(n, NAT)
        round_start = cal.add_working_days(referral, rng.integers(0, 6, n))
        eligible = is_cin & (rng.random(n) < _rate_by_census_year(path["s47"], census_year))
        for s47_seq in (1, 2):
            idx = np.flatnonzero(eligible & (round_start <= self.horizon))
            if not len(idx):
                break
            s47_start = round_start[idx]
            year = cal.census_year_of(s47_start)
            has_icpc = rng.random(len(idx)) < _rate_by_census_year(path["icpc_after_s47"], year)
            days = _draw_bands_by_year(
                rng, path["icpc_wd_bands"], path["icpc_wd_band_weights"], year
            )
            icpc = cal.add_working_days(s47_start, np.round(days).astype(int))
            icpc = np.where(has_icpc, icpc, NAT)
            last_event[idx] = _later(s47_start, icpc)
            self.s47.add(
                episode_id=episode[idx],
                s47_seq=np.full(len(idx), s47_seq),
                start_date=s47_start,
                icpc_target_date=cal.add_working_days(s47_start, 15),
                icpc_date=_cut_future(icpc, self.horizon),
                is_icpc_not_required=~has_icpc,
            )
            plan = (
                has_icpc
                & (icpc <= self.horizon)
                & (rng.random(len(idx)) < _rate_by_census_year(path["cpp_after_icpc"], year))
            )
            pidx = idx[plan]
            start = icpc[plan]
            months = _draw_bands(rng, path["cpp_duration_month_bands"], len(pidx))
            end = start + np.maximum(_days(months * DAYS_PER_MONTH), np.timedelta64(1, "D"))
            end = _cut_future(end, self.horizon)
            self._plans(episode[pidx], person[pidx], start, end, rng)
            first_start[pidx] = np.where(np.isnat(first_start[pidx]), start, first_start[pidx])
            last_end[pidx] = end
            # An open plan leaves last_end NaT; with first_start set, the caller keeps the
            # episode open.
            # A second round (new s47, ICPC, plan) after the first plan ends, rarely.
            again = ~np.isnat(end) & (rng.random(len(pidx)) < path["second_cpp_in_episode"])
            eligible = np.zeros(n, dtype=bool)
            eligible[pidx[again]] = True
            round_start = np.full(n, NAT)
            round_start[pidx[again]] = end[again] + _days(rng.integers(14, 200, again.sum()))
        return last_end, first_start, last_event

    def _plans(
        self,
        episode: np.ndarray,
        person: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        path = self.path
        n = len(episode)
        ids = np.arange(self.n_cpps, self.n_cpps + n)
        self.n_cpps += n
        previous = self.cpp_count[person].copy()
        np.add.at(self.cpp_count, person, 1)
        initial = _pick(rng, path["abuse_category"], n)
        changed = rng.random(n) < path["category_change"]
        latest = np.where(changed, _pick(rng, path["abuse_category"], n), initial)
        self.cpps.add(
            cpp_id=ids,
            episode_id=episode,
            person_id=person,
            start_date=start,
            end_date=end,
            initial_category=initial,
            latest_category=latest,
            previous_cpp_count=previous,
        )
        # Reviews: the first within 3 months, then at most every 6 months, while open.
        lo, hi = path["first_review_days"]
        review = start + _days(rng.uniform(lo, hi, n))
        seq = 1
        limit = np.where(np.isnat(end), self.horizon, end)
        alive = review < limit
        while alive.any():
            self.reviews.add(
                cpp_id=ids[alive], review_seq=np.full(alive.sum(), seq), review_date=review[alive]
            )
            lo, hi = path["later_review_days"]
            review = review + _days(rng.uniform(lo, hi, n))
            alive = alive & (review < limit)
            seq += 1

    def _cin_plans(
        self,
        episode: np.ndarray,
        is_cin: np.ndarray,
        assessment_end: np.ndarray,
        cpp_start: np.ndarray,
        cpp_end: np.ndarray,
        closure: np.ndarray,
    ) -> None:
        """CIN plans fill the CIN parts of an episode: from the assessment to the first
        plan (or closure), and from the last plan's end to closure (rules 4014, 4016, 4017)."""
        has = (
            is_cin
            & ~np.isnat(assessment_end)
            & (self.rng.random(len(episode)) < self.path["cin_plan_share"])
        )
        first_end = np.where(np.isnat(cpp_start), closure, cpp_start)
        first = has & (np.isnat(first_end) | (first_end > assessment_end))
        after = has & ~np.isnat(cpp_end) & (np.isnat(closure) | (closure > cpp_end))
        for seq, mask, start, end in (
            (1, first, assessment_end, first_end),
            (2, after, cpp_end, closure),
        ):
            self.cin_plans.add(
                episode_id=episode[mask],
                plan_seq=np.full(mask.sum(), seq),
                start_date=start[mask],
                end_date=end[mask],
            )

    def _closure_reasons(
        self, outcome: np.ndarray, closure: np.ndarray, person: np.ndarray
    ) -> np.ndarray:
        rng, path = self.rng, self.path
        n = len(outcome)
        closure_year = np.where(
            np.isnat(closure),
            0,
            cal.census_year_of(np.where(np.isnat(closure), np.datetime64("2000-01-01"), closure)),
        )
        after_assessment = np.where(
            (closure_year >= path["first_rc9_census_year"])
            & (rng.random(n) < path["rc9_share_after_assessment"]),
            "RC9",
            np.where(closure_year >= path["first_rc8_census_year"], "RC8", "RC7"),
        )
        cin_reason = _pick(rng, path["closure_reason"], n)
        died = rng.random(n) < self.s.cfg("children")["death_per_episode"]
        # An unborn child's case closed before the birth is not closed by its death (rule
        # 8535Q: no date of death before the date of birth).
        died &= ~(closure < self.person_birth[person])
        cin_reason = np.where(died, "RC2", cin_reason)
        reason = np.where(
            outcome == OUTCOME_NFA,
            "RC7",
            np.where(outcome == OUTCOME_ASSESSED_NOT_IN_NEED, after_assessment, cin_reason),
        )
        # numpy's stubs reject None as a value of np.where (valid: an object array's missing).
        reason = np.where(np.isnat(closure), None, reason)  # type: ignore[call-overload]
        dead = (reason == "RC2") & ~np.isnat(closure)
        self.person_death[person[dead]] = closure[dead]
        return reason

    def _next_referrals(
        self,
        person: np.ndarray,
        identity: np.ndarray,
        area: np.ndarray,
        closure: np.ndarray,
        reason: np.ndarray,
        moved_on_plan: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rng = self.rng
        cfg = self.s.cfg("rereferral")
        n = len(person)
        closed = ~np.isnat(closure) & (reason != "RC2")
        moved = closed & (reason == "RC5")
        adopted = closed & (reason == "RC1")
        again = closed & np.where(
            moved, rng.random(n) < cfg["move_rereferral"], rng.random(n) < cfg["probability"]
        )
        # A child on a plan is always referred in the LA it moves to (the old LA tells it).
        again |= moved_on_plan
        notice = self.transfer_rng.uniform(0, self.transfer["referral_max_days"], n)
        conference_wd = np.round(
            _draw_bands(self.transfer_rng, self.transfer["conference_wd_bands"], n)
        ).astype(int)
        gap = np.where(
            rng.random(n)
            < _rate_by_census_year(cfg["short_gap_share"], cal.census_year_of(closure)),
            rng.exponential(cfg["short_gap_mean_days"], n),
            rng.exponential(cfg["long_gap_mean_days"], n),
        )
        gap = np.where(moved, rng.uniform(1, 90, n), gap)
        gap = np.where(moved_on_plan, notice, gap)
        nxt = closure + np.maximum(_days(gap), np.timedelta64(1, "D"))
        transfer_icpc = np.where(
            moved_on_plan, cal.add_working_days(self._fill_nat(nxt), conference_wd), NAT
        )
        age_limit = self.person_birth[person] + _days(
            np.full(n, self.s.cfg("world")["max_referral_age_years"] * 365.25)
        )
        keep = again & (nxt <= self.horizon) & (nxt < age_limit)
        person, identity, area, nxt = person[keep], identity[keep], area[keep], nxt[keep]
        moved, adopted, transfer_icpc = moved[keep], adopted[keep], transfer_icpc[keep]
        # A move: referred in another LA (chosen by volume), under a new LAchildID.
        if moved.any():
            p = self.area_weight / self.area_weight.sum()
            new_area = rng.choice(len(self.areas), moved.sum(), p=p)
            same = new_area == area[moved]
            new_area[same] = (new_area[same] + 1) % len(self.areas)
            area = area.copy()
            area[moved] = self._never_back(person[moved], area[moved], new_area)
        identity = identity.copy()
        identity[moved] = self._new_identities(person[moved], area[moved], nxt[moved], "moved LA")
        identity[adopted & ~moved] = self._new_identities(
            person[adopted & ~moved], area[adopted & ~moved], nxt[adopted & ~moved], "adopted"
        )
        return person, identity, area, nxt, transfer_icpc

    def _never_back(
        self, person: np.ndarray, old_area: np.ndarray, new_area: np.ndarray
    ) -> np.ndarray:
        """A moving child goes to an LA it has not lived in before (while one is left). An
        LA that knew the child would reopen its own record under the old LAchildID, which
        this world does not model; a new LAchildID there would put two children with one
        UPN in that LA's return (rule 1520), since a UPN stays with the child across moves.
        Moves are few (a loop over them is cheap); the draws are unchanged."""
        out = new_area.copy()
        for i, (child, old) in enumerate(zip(person.tolist(), old_area.tolist(), strict=True)):
            left = self.areas_left.setdefault(child, set())
            left.add(old)
            if len(left) < len(self.areas):
                while int(out[i]) in left:
                    out[i] = (out[i] + 1) % len(self.areas)
        return out

    @staticmethod
    def _fill_nat(dates: np.ndarray) -> np.ndarray:
        """NaT replaced by a dummy date, for numpy date functions that refuse NaT."""
        return np.where(np.isnat(dates), np.datetime64("2000-01-03"), dates)

    def _asylum_factors(
        self, factors: pa.Table, assessments: pa.Table, episodes: pa.Table, persons: pa.Table
    ) -> pa.Table:
        """Factor 9A (unaccompanied asylum seeker) exactly on the assessments authorised
        while the child is one: added there (dropping 21, "no factors", which never stands
        with another code), and elsewhere replaced by another factor of the year's codes."""
        ep_person = np.empty(len(episodes), dtype=np.int64)
        ep_person[episodes["episode_id"].to_numpy()] = episodes["person_id"].to_numpy()
        # person_id is the row number of persons (ids are handed out in order).
        since = _date_column(persons, "asylum_seeking_from")
        until = _date_column(persons, "asylum_seeking_ceased")
        a_ep = assessments["episode_id"].to_numpy()
        a_seq = assessments["assessment_seq"].to_numpy()
        a_auth = _date_column(assessments, "authorisation_date")
        person = ep_person[a_ep]
        # NaT compares false: never an asylum seeker, or still one at the horizon.
        active = (a_auth >= since[person]) & ~(a_auth >= until[person])
        a_key = a_ep * 8 + a_seq
        order = np.argsort(a_key, kind="stable")
        f_ep = factors["episode_id"].to_numpy()
        f_seq = factors["assessment_seq"].to_numpy()
        # The codes as small integers into their distinct values (no Python object per
        # factor: about 28 million at national scale).
        encoded = pc.dictionary_encode(factors["factor"].combine_chunks())
        if encoded.null_count:
            raise ValueError("a factor without a code")
        dictionary = encoded.dictionary.to_pylist()
        f_index = encoded.indices.to_numpy()
        del encoded
        row = order[np.searchsorted(a_key[order], f_ep * 8 + f_seq)]
        f_active = active[row]
        del row
        replace = ~f_active & _is_code(f_index, dictionary, "9A")
        weights = {k: v for k, v in self.path["factor_weights"].items() if k != "9A"}
        a_row = order[np.searchsorted(a_key[order], f_ep[replace] * 8 + f_seq[replace])]
        new_codes = _factor_codes(self.asylum_rng, weights, cal.census_year_of(a_auth[a_row]))
        codes = sorted({*dictionary, *new_codes.tolist(), "9A"})
        position = {code: i for i, code in enumerate(codes)}
        f_code = np.array([position[c] for c in dictionary], dtype=np.int16)[f_index]
        del f_index
        f_code[replace] = np.array([position[c] for c in new_codes.tolist()], dtype=np.int16)
        keep = ~(f_active & (f_code == position.get("21", -1)))
        return _distinct_sorted_factors(
            np.concatenate([f_ep[keep], a_ep[active]]),
            np.concatenate([f_seq[keep], a_seq[active]]),
            np.concatenate([f_code[keep], np.full(active.sum(), position["9A"], np.int16)]),
            codes,
            factors.schema,
        )

    def _world(self) -> World:
        date = pa.date32()
        persons = self.persons.table().append_column(
            "death_date", pa.array(self.person_death, type=date, from_pandas=True)
        )
        areas = geography.areas()
        identities = self.identities.table()
        # Each identity's area code taken from the areas' (no Python list of a string per
        # identity).
        area_codes = pa.array([area.old_code for area in areas], type=pa.string())
        identities = identities.append_column(
            "area_code", area_codes.take(identities["area_index"].combine_chunks())
        )
        episodes = self.episodes.table()
        assessments = self.assessments.table()
        tables = {
            "persons": persons,
            "identities": identities,
            "episodes": episodes,
            "assessments": assessments,
            "factors": self._asylum_factors(self.factors.table(), assessments, episodes, persons),
            "s47": self.s47.table(),
            "cpps": self.cpps.table(),
            "reviews": self.reviews.table(),
            "cin_plans": self.cin_plans.table(),
            "services": self._services(episodes, persons),
        }
        # Only `tables` refers to them from here: a table sorted replaces its unsorted
        # self, which is freed at once (the assessments were held twice).
        del persons, identities, episodes, assessments
        return _sorted_world(tables)

    def _services(self, episodes: pa.Table, persons: pa.Table) -> pa.Table:
        """Services provided to children in need in the one census year that collected
        them (2008/09, config.toml [services]): 0-3 per CIN episode open in the year,
        starting in the year's part of the episode, ending at the latest at closure."""
        cfg = self.s.cfg("services")
        rng = np.random.default_rng([self.s.seed, SERVICE_STREAM])
        year = self.s.cfg("world")["first_census_year"]
        first = cal.to_datetime64(cal.census_year_start(year))
        last = cal.to_datetime64(cal.census_year_end(year))
        referral = _date_column(episodes, "referral_date")
        closure = _date_column(episodes, "closure_date")
        is_cin = episodes["outcome"].to_numpy() == OUTCOME_CIN
        open_in_year = is_cin & (referral <= last) & ~(closure < first)
        idx = np.flatnonzero(open_in_year)
        weights = cfg["count_weights"]
        count = rng.choice(len(weights), len(idx), p=weights)
        row = np.repeat(idx, count)
        n = len(row)
        seq = _rank_runs(row)
        disabled = (
            _text_objects(persons["disabilities"])[episodes["person_id"].to_numpy()[row]] != ""
        )
        kinds = _pick(rng, cfg["types"], n)
        # Services for children with disabilities (CWD) go to disabled children only.
        others = {k: v for k, v in cfg["types"].items() if k != "CWD"}
        kinds = np.where(disabled | (kinds != "CWD"), kinds, _pick(rng, others, n))
        lo = np.maximum(referral[row], first)
        hi = np.where(np.isnat(closure[row]), last, np.minimum(closure[row], last))
        start = lo + _days(np.floor(rng.random(n) * ((hi - lo).astype(int) + 1)))
        low, high = cfg["duration_days"]
        end = start + _days(rng.uniform(low, high, n))
        end = _cut_future(np.where(end > closure[row], closure[row], end), self.horizon)
        return pa.table(
            {
                "episode_id": pa.array(episodes["episode_id"].to_numpy()[row], pa.int64()),
                "service_seq": pa.array(seq, pa.int16()),
                "service_type": pa.array(kinds, pa.string()),
                "service_provider": pa.array(_pick(rng, cfg["providers"], n), pa.string()),
                "start_date": pa.array(start, pa.date32()),
                "end_date": pa.array(end, pa.date32(), from_pandas=True),
            }
        )


def _rank_runs(values: np.ndarray) -> np.ndarray:
    """1-based position of each element within its run of equal consecutive values."""
    if not len(values):
        return np.zeros(0, dtype=np.int16)
    change = np.ones(len(values), dtype=bool)
    change[1:] = values[1:] != values[:-1]
    starts = np.flatnonzero(change)
    return np.arange(len(values)) - np.repeat(starts, np.diff(np.append(starts, len(values)))) + 1


def _text_objects(column: pa.ChunkedArray) -> np.ndarray:
    """A text column as a numpy object array whose rows share one Python string per
    distinct value (None where missing). Arrow's own `to_numpy` makes a Python string per
    row: for the factors at national scale (about 28 million) that was over a GB at the
    end of the simulation, the generator's peak."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    values = np.concatenate(
        [encoded.dictionary.to_numpy(zero_copy_only=False).astype(object), [None]]
    )
    return values[pc.fill_null(encoded.indices, len(values) - 1).to_numpy()]


def _is_code(index: np.ndarray, dictionary: list[str], code: str) -> np.ndarray:
    """Where a dictionary-encoded column holds `code`."""
    if code not in dictionary:
        return np.zeros(len(index), dtype=bool)
    return index == dictionary.index(code)


def _distinct_sorted_factors(
    episode: np.ndarray, seq: np.ndarray, code: np.ndarray, codes: list[str], schema: pa.Schema
) -> pa.Table:
    """The factors table: each (episode, assessment, factor) once (rule 8898 forbids a
    factor twice for one assessment), sorted by the three (`codes` is sorted, so a code's
    position sorts as its text). The same rows in the same order as an Arrow `group_by`
    on the three columns then `sort_by` gave, in one sorted 8-byte key per factor (at
    national scale the hash table and the sorted copy of the text column were the top of
    the simulation). Assessment sequences are below 8, as in the recorder's keys."""
    width = len(codes)
    key = episode.astype(np.int64)
    del episode
    key *= 8
    key += seq
    key *= width
    key += code
    del seq, code
    key.sort()
    if len(key):
        key = key[np.r_[True, key[1:] != key[:-1]]]
    factor = pa.array(codes, pa.string()).take(pa.array(key % width))
    key //= width
    return pa.table(
        {
            "episode_id": pa.array(key // 8, pa.int64()),
            "assessment_seq": pa.array(key % 8, pa.int16()),
            "factor": factor,
        },
        schema=schema,
    )


def _date_column(table: pa.Table, name: str) -> np.ndarray:
    return table[name].to_numpy(zero_copy_only=False).astype("datetime64[D]")


def _sorted_world(tables: dict[str, pa.Table]) -> World:
    """Sort each table by its parent key (the recording step relies on it; the factors
    come sorted and without duplicates from `_distinct_sorted_factors`)."""
    order = {
        "assessments": ["episode_id", "assessment_seq"],
        "s47": ["episode_id", "s47_seq"],
        "cpps": ["episode_id", "start_date"],
        "reviews": ["cpp_id", "review_seq"],
        "cin_plans": ["episode_id", "plan_seq"],
        "services": ["episode_id", "service_seq"],
    }
    for name, keys in order.items():
        tables[name] = tables[name].sort_by([(k, "ascending") for k in keys])
    return World(**tables)


def _disabilities(rng: np.random.Generator, cfg: dict, n: int) -> np.ndarray:
    """Each child's disability codes joined by ';' ('' for none): 1-3 distinct codes for
    the disabled share, drawn by weight without replacement (exponential race)."""
    codes = np.array(list(cfg["disability_codes"]), dtype=object)
    weights = np.array(list(cfg["disability_codes"].values()), dtype=float)
    disabled = np.flatnonzero(rng.random(n) < cfg["disabled_share"])
    count = rng.choice([1, 2, 3], len(disabled), p=cfg["disability_count_weights"])
    race = rng.exponential(size=(len(disabled), len(codes))) / weights
    ranked = np.argsort(race, axis=1)
    out = np.full(n, "", dtype=object)
    # Each child's first `count` codes as one integer (a digit per code, base the number
    # of codes), each distinct combination joined once (a Python join per disabled child
    # was 4% of the simulation).
    base = len(codes)
    taken = np.minimum(count, base)  # (fewer codes than drawn: each code once)
    combination = np.zeros(len(disabled), dtype=np.int64)
    for k in range(3):
        digit = ranked[:, k] if k < base else 0
        combination = combination * base + np.where(taken > k, digit, 0)
    combination = combination * 4 + taken
    distinct, row = np.unique(combination, return_inverse=True)
    texts = []
    for value in distinct.tolist():
        k, value = value % 4, value // 4
        positions = [(value // base ** (2 - j)) % base for j in range(k)]
        texts.append(";".join(codes[positions]))
    out[disabled] = np.array(texts, dtype=object)[row]
    return out


# The codes `_factor_codes` recodes drawn ones into.
RECODED = ("18B", "18C", "19B", "19C", "13A")


def _factor_codes(
    rng: np.random.Generator, weights_by_code: dict[str, float], census_year: np.ndarray
) -> np.ndarray:
    """Factor codes by weight, in the code set of each census year (docs/cin_census.md §4)."""
    # Drawn and recoded as positions into `codes` (the weighted codes, then the ones the
    # recoding brings in), not as text: comparing and choosing Python strings row by row
    # was 8% of the simulation. `choice` of a position draws as `choice` of the code.
    codes = [*weights_by_code, *(c for c in RECODED if c not in weights_by_code)]
    position = {code: i for i, code in enumerate(codes)}
    weights = np.array(list(weights_by_code.values()), dtype=float)
    drawn = rng.choice(len(weights_by_code), len(census_year), p=weights / weights.sum())
    split = rng.random(len(census_year)) < 0.5

    def recode(where: np.ndarray, old: str, new: np.ndarray | int) -> np.ndarray:
        if old not in position:
            return drawn
        return np.where(where & (drawn == position[old]), new, drawn)

    # From 2020/21 physical and sexual abuse are recorded as by a parent (B) or another (C).
    new_codes = census_year >= 2021
    for abuse in ("18", "19"):
        by_parent = np.where(split, position[f"{abuse}B"], position[f"{abuse}C"])
        drawn = recode(new_codes, f"{abuse}A", by_parent)
    # 24A (child criminal exploitation) exists from 2021/22; before it such cases were 13A.
    drawn = recode(census_year < 2022, "24A", position["13A"])
    return np.array(codes, dtype=object)[drawn]
