/** What the CLI and the scenario runner use; the other modules are internals of the renderers. */
export { writeReport, loadReport, rerender, parseReport, ReportFileError, REPORT_FILES } from './files.ts';
export { compareReports, renderComparison, type ReportDelta, type ScenarioDelta, type FigureDelta, type StepDelta, type ValueDelta } from './compare.ts';
export { renderMarkdown } from './markdown.ts';
export { renderHtml } from './html.ts';
export { renderJunit } from './junit.ts';
export * from './model.ts';
