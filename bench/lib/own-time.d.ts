export type Buckets = Map<number, number>;
export function parseOverheadBuckets(text: string): Buckets;
export function overheadPercentiles(before: Buckets, after: Buckets, ps?: number[]): ({ count: number } & Record<string, number>) | undefined;
export function scrapeOverhead(target: { name: string; url: string }): Promise<Buckets | undefined>;
