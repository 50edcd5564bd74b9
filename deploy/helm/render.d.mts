/** Types of render.mjs (the chart renderer), for the chart's test. */
export interface RenderedManifest {
  /** The template file it came from, e.g. `api-deployment.yaml`. */
  template: string;
  object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; annotations?: Record<string, string> };
  } & Record<string, unknown>;
}
export function renderChart(
  chartDir: string,
  options?: { valuesFiles?: string[]; name?: string; namespace?: string; revision?: number },
): RenderedManifest[];
export function mergeValues(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown>;
export function truthy(v: unknown): boolean;
