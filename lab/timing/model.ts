import { z } from 'zod';

/** One timed step: a bring-up task, a scenario step, a fault. */
export const StepSchema = z.object({
  name: z.string(),
  group: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: z.number(),
  ok: z.boolean(),
  error: z.string().optional(),
});
export type Step = z.infer<typeof StepSchema>;
