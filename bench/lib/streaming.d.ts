export function createContentDetector(onContent: (at: number) => void): (chunk: string, at: number) => void;
export function hasContent(data: string): boolean;
export function timeStream(...args: unknown[]): Promise<Record<string, any>>;
export function runStreaming(opts: Record<string, unknown>): Promise<Record<string, any>>;
