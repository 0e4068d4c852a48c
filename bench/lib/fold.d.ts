export function foldRows<T extends Record<string, any>>(runs: T[][], key: (row: T) => string): Array<T & { runs: number }>;
export function deriveOpenLoop(rows: Array<Record<string, any>>): Array<Record<string, any>>;
export function deriveThroughput(rows: Array<Record<string, any>>): Array<Record<string, any>>;
export function deriveStreaming(rows: Array<Record<string, any>>): Array<Record<string, any>>;
export function foldMacro(runs: Array<Record<string, any>>): Record<string, Array<Record<string, any>>>;
