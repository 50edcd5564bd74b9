/** Orders Redis-style stream ids (`<ms>-<seq>`) numerically, as Redis does. */
export function compareStreamIds(a: string, b: string): number {
  // Ids of up to 15 digits a part (every id a run's log holds) compare exactly as doubles: no
  // BigInt per comparison (the in-memory log compares on every append).
  if (a.length <= 31 && b.length <= 31) {
    const ad = a.indexOf('-');
    const bd = b.indexOf('-');
    const am = ad < 0 ? a : a.slice(0, ad);
    const bm = bd < 0 ? b : b.slice(0, bd);
    const as = ad < 0 ? '0' : a.slice(ad + 1);
    const bs = bd < 0 ? '0' : b.slice(bd + 1);
    if (am.length <= 15 && bm.length <= 15 && as.length <= 15 && bs.length <= 15) {
      const ms = Number(am) - Number(bm);
      if (ms !== 0) return ms < 0 ? -1 : 1;
      const seq = Number(as) - Number(bs);
      return seq === 0 ? 0 : seq < 0 ? -1 : 1;
    }
  }
  return compareBig(a, b);
}

function compareBig(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** True for a syntactically valid stream id (what a client may send as `Last-Event-ID`). */
export function isStreamId(id: string): boolean {
  return /^\d{1,20}(-\d{1,20})?$/.test(id);
}
