import { z } from 'zod';
import { StepSchema } from '../timing/model.ts';

/** A measured figure, optionally held against a threshold. */
export const FigureSchema = z.object({
  name: z.string(),
  value: z.number(),
  unit: z.string(),
  threshold: z.object({ op: z.enum(['<=', '>=']), value: z.number() }).optional(),
  passed: z.boolean().optional(),
  /** Free-form qualifier, e.g. "fault=sigkill" or "clients=8,key=ec256". */
  labels: z.record(z.string(), z.string()).optional(),
});
export type Figure = z.infer<typeof FigureSchema>;

export const AssertionSchema = z.object({
  name: z.string(),
  passed: z.boolean(),
  detail: z.string().optional(),
});
export type Assertion = z.infer<typeof AssertionSchema>;

/**
 * What happened to one subject (a Certificate) over a scenario, in order: e.g. requested, Ready, served,
 * renewal planned, renewed, revoked, replaced. `detail` carries what identifies the moment (a serial).
 */
export const SubjectTimelineSchema = z.object({
  subject: z.string(),
  events: z.array(z.object({ event: z.string(), at: z.string(), detail: z.string().optional() })),
});
export type SubjectTimeline = z.infer<typeof SubjectTimelineSchema>;

export const ScenarioResultSchema = z.object({
  name: z.string(),
  description: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: z.number(),
  status: z.enum(['passed', 'failed', 'skipped']),
  skipReason: z.string().optional(),
  steps: z.array(StepSchema),
  figures: z.array(FigureSchema),
  assertions: z.array(AssertionSchema),
  /** Text blocks people want to read in the report (e.g. both certificate chains after rotation). */
  notes: z.array(z.object({ title: z.string(), body: z.string() })).default([]),
  /** Lifecycle of each subject the scenario followed; absent when it followed none. */
  timelines: z.array(SubjectTimelineSchema).optional(),
});
export type ScenarioResult = z.infer<typeof ScenarioResultSchema>;

export const EnvironmentSchema = z.object({
  host: z.object({ hostname: z.string(), cores: z.number(), memoryBytes: z.number(), os: z.string(), node: z.string(), cpuModel: z.string() }),
  vaultFlavor: z.string(),
  images: z.array(z.object({ key: z.string(), ref: z.string(), version: z.string(), source: z.string() })),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

export const RunReportSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  passed: z.boolean(),
  /** Stopped by Ctrl-C or SIGTERM: the report holds what ran until then. */
  interrupted: z.boolean().default(false),
  environment: EnvironmentSchema,
  /** Bring-up of the lab (the same steps timings.json holds). */
  setup: z.array(StepSchema),
  scenarios: z.array(ScenarioResultSchema),
});
export type RunReport = z.infer<typeof RunReportSchema>;
