export type SweepValue = number | boolean | string;
export interface SweepAxis {
  key: string;
  values: SweepValue[];
}
export type SweepCell = Record<string, SweepValue>;
export const MAX_SWEEP_CELLS: number;
export function parseAxis(spec: string): SweepAxis;
export function parseAxes(specs: string[]): SweepAxis[];
export function expandAxes(axes: SweepAxis[]): SweepCell[];
export function setPath<T extends object>(obj: T, path: string, value: unknown): Record<string, unknown>;
export function applyCell(raw: Record<string, unknown>, cell: SweepCell): Record<string, any>;
export function cellToYaml(cell: SweepCell): string;
export function describeCell(cell: SweepCell): string;
export function bestCell<T extends Record<string, any>>(cells: T[], by: string, lowerIsBetter: boolean): T | undefined;
