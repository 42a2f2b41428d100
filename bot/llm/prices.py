"""Rates per token bucket from the pinned `genai-prices` table (or the config), and a call's cost in
integer nano-USD (DESIGN §8).

The table is the one shipped inside the installed package (`genai_prices.data`), never fetched at run time
(its `UpdatePrices` is not used). A model the table does not know, or a rate of zero, is refused with a
reason: no call is better than a call counted at $0. The rates and the table are hashed, so a ledger row
says exactly what it was priced with and is never re-priced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from functools import cache

from genai_prices import __version__ as GENAI_PRICES_VERSION
from genai_prices import data_snapshot
from genai_prices.types import ModelPrice, TieredPrices

from bot.llm.usage import TokenBuckets

# USD per million tokens to nano-USD per token: times 10**9 / 10**6.
_NANO_PER_MTOK_UNIT = 1000


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per million tokens for each bucket of `TokenBuckets`."""

    uncached_input: Decimal
    cache_read: Decimal
    cache_write: Decimal
    cache_write_1h: Decimal
    output: Decimal
    reasoning: Decimal


@dataclass(frozen=True, slots=True)
class RateOverride:
    """Rates set by config for one model (USD per million tokens); unset ones come from the table.

    A model the table does not know needs at least `uncached_input` and `output`.
    """

    uncached_input: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    cache_write_1h: Decimal | None = None
    output: Decimal | None = None
    reasoning: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ModelRates:
    """The rates of one model at one moment: by tier, each tier from the number of input tokens it starts
    above (the first from 0), as providers charge: crossing a tier prices every token of the call."""

    model: str
    provider: str
    source: str
    tiers: tuple[tuple[int, Rates], ...]

    def at(self, input_tokens: int) -> Rates:
        """The rates of a call with this many input tokens."""
        chosen = self.tiers[0][1]
        for start, rates in self.tiers:
            if input_tokens > start:
                chosen = rates
        return chosen

    def dearest(self) -> Rates:
        """The highest rate of each bucket over all tiers: what a worst-case reservation is priced at."""
        names = [f.name for f in fields(Rates)]
        return Rates(**{name: max(getattr(rates, name) for _, rates in self.tiers) for name in names})

    @property
    def rates_hash(self) -> str:
        """A stable hash of exactly these rates, their model and where they came from (the table's hash
        included when they came from the table)."""
        tiers = [[start, {k: str(v) for k, v in asdict(rates).items()}] for start, rates in self.tiers]
        identity = {"model": self.model, "provider": self.provider, "source": self.source, "tiers": tiers}
        return _digest(json.dumps(identity, sort_keys=True, separators=(",", ":")))


@dataclass(frozen=True, slots=True)
class NoPrice:
    """Why a model cannot be priced, so must not be called."""

    model: str
    reason: str


@dataclass(frozen=True, slots=True)
class Cost:
    """The cost of one call per bucket in nano-USD, each rounded up, with the rates it was priced at."""

    tokens: TokenBuckets
    rates: Rates
    rates_hash: str
    nano_usd: TokenBuckets  # the same buckets, holding nano-USD instead of tokens

    @property
    def total_nano_usd(self) -> int:
        """The sum of the buckets' costs."""
        return sum(getattr(self.nano_usd, f.name) for f in fields(TokenBuckets))


def model_rates(
    model: str,
    *,
    at: datetime,
    provider: str | None = None,
    overrides: Mapping[str, RateOverride] | None = None,
) -> ModelRates | NoPrice:
    """The rates of `model` (as the request names it) for a call made at `at`: the table's, with the
    config's override of that model on top."""
    override = (overrides or {}).get(model)
    found = _table_rates(model, provider, at)
    if isinstance(found, NoPrice):
        if override is None:
            return found
        if override.uncached_input is None or override.output is None:
            return NoPrice(model, f"{found.reason}, and its config override lacks an input or output rate")
        rates = _filled(
            override.uncached_input,
            override.output,
            read=override.cache_read,
            write=override.cache_write,
            write_1h=override.cache_write_1h,
            reasoning=override.reasoning,
        )
        known = ModelRates(model, provider or "config", "config", ((0, rates),))
    elif override is None:
        known = found
    else:
        tiers = tuple((start, _overridden(rates, override)) for start, rates in found.tiers)
        known = replace(found, source=f"config over {found.source}", tiers=tiers)
    for _, rates in known.tiers:
        zero = [f.name for f in fields(Rates) if getattr(rates, f.name) <= 0]
        if zero:
            return NoPrice(model, f"a rate of zero or less for {', '.join(zero)}: refused rather than free")
    return known


def cost(tokens: TokenBuckets, rates: ModelRates) -> Cost:
    """The cost of a call with these tokens, at the tier its input falls in."""
    tier = rates.at(tokens.input_total)
    nano = {f.name: _nano(getattr(tokens, f.name), getattr(tier, f.name)) for f in fields(TokenBuckets)}
    return Cost(tokens, tier, rates.rates_hash, TokenBuckets(**nano))


def worst_case_nano_usd(input_tokens: int, max_output_tokens: int, rates: ModelRates) -> int:
    """An upper bound of a call's cost before it is made: every input token written to the dearest cache
    tier or sent uncached, whichever costs more, and `max_output_tokens` at the dearer of output and
    reasoning, all at the dearest tier."""
    top = rates.dearest()
    per_input = max(top.uncached_input, top.cache_read, top.cache_write, top.cache_write_1h)
    return _nano(input_tokens, per_input) + _nano(max_output_tokens, max(top.output, top.reasoning))


@cache
def price_table_hash() -> str:
    """A stable hash of the whole bundled table: every provider's models, matches and prices."""
    lines = [GENAI_PRICES_VERSION]
    for provider in sorted(data_snapshot.get_snapshot().providers, key=lambda p: p.id):
        for info in sorted(provider.models, key=lambda m: m.id):
            lines.append(
                f"{provider.id}\t{info.id}\t{info.match!r}\t{info.prices!r}\t{info.price_variants!r}"
            )
    return _digest("\n".join(lines))


def _table_rates(model: str, provider: str | None, at: datetime) -> ModelRates | NoPrice:
    # The bundled snapshot only: `get_snapshot()` would return a table fetched by `UpdatePrices` if any
    # code in the process had started one.
    table = data_snapshot._bundled_snapshot()
    try:
        found, info = table.find_provider_model(model, None, provider, None)
    except LookupError as error:
        return NoPrice(model, f"not in the price table (genai-prices {GENAI_PRICES_VERSION}): {error}")
    prices = info.get_prices(at)
    input_price, output_price = prices.input_mtok, prices.output_mtok
    if input_price is None or output_price is None:
        return NoPrice(model, f"the price table has no input or output rate for {info.id}")
    starts = sorted(
        {0} | {t.start for p in _token_prices(prices) if isinstance(p, TieredPrices) for t in p.tiers}
    )
    tiers = tuple(
        (start, _rates_above(prices, start, _tier(input_price, start), _tier(output_price, start)))
        for start in starts
    )
    source = f"genai-prices {GENAI_PRICES_VERSION} {price_table_hash()}"
    return ModelRates(info.id, found.id, source, tiers)


def _token_prices(prices: ModelPrice) -> tuple[Decimal | TieredPrices | None, ...]:
    return (
        prices.input_mtok,
        prices.cache_read_mtok,
        prices.cache_write_mtok,
        prices.cache_write_1h_mtok,
        prices.output_mtok,
        prices.output_reasoning_mtok,
    )


def _rates_above(prices: ModelPrice, start: int, uncached: Decimal, output: Decimal) -> Rates:
    """The table's rates for a call with more than `start` input tokens (`start` itself a tier boundary),
    `uncached` and `output` being the table's input and output rates there."""

    def rate(price: Decimal | TieredPrices | None) -> Decimal | None:
        return None if price is None else _tier(price, start)

    return _filled(
        uncached,
        output,
        read=rate(prices.cache_read_mtok),
        write=rate(prices.cache_write_mtok),
        write_1h=rate(prices.cache_write_1h_mtok),
        reasoning=rate(prices.output_reasoning_mtok),
    )


def _tier(price: Decimal | TieredPrices, start: int) -> Decimal:
    """A rate for calls with more than `start` input tokens."""
    if isinstance(price, Decimal):
        return price
    reached = [t for t in price.tiers if t.start <= start]  # sorted by start (`TieredPrices`)
    return reached[-1].price if reached else price.base


def _filled(
    uncached: Decimal,
    output: Decimal,
    *,
    read: Decimal | None,
    write: Decimal | None,
    write_1h: Decimal | None,
    reasoning: Decimal | None,
) -> Rates:
    """Rates with the unpriced buckets filled in.

    A cache rate the table lacks is the input rate: OpenAI-style caching bills writes as plain input, and
    a read is never dearer than input, so this never under-counts. Reasoning not priced apart is output
    (as OpenAI and Anthropic bill it).
    """
    write = uncached if write is None else write
    return Rates(
        uncached_input=uncached,
        cache_read=uncached if read is None else read,
        cache_write=write,
        cache_write_1h=write if write_1h is None else write_1h,
        output=output,
        reasoning=output if reasoning is None else reasoning,
    )


def _overridden(rates: Rates, override: RateOverride) -> Rates:
    values = {f.name: getattr(override, f.name) for f in fields(RateOverride)}
    return replace(rates, **{name: value for name, value in values.items() if value is not None})


def _nano(tokens: int, usd_per_mtok: Decimal) -> int:
    """nano-USD for `tokens` at a rate per million tokens, rounded up to a whole nano-USD."""
    return int((usd_per_mtok * tokens * _NANO_PER_MTOK_UNIT).to_integral_value(ROUND_CEILING))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]
