/** Anchors let the HTML summary table link down to the scenario sections. */
export function scenarioAnchor(name: string): string {
  return `scenario-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}
