/** What the device routes answer (server/devices/present-device.ts makes a device's view), as their contract. */
import { z } from 'zod';
import { cutterSettingSchema } from '../devices/device-registry.ts';

export const healthFlagSchema = z.enum(['clock_drift', 'low_battery', 'low_storage']);

/** Never its credential hash or its sealed RTSP secret. */
export const deviceViewSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['bodycam', 'fixed']),
    name: z.string(),
    officerBadge: z.string().nullable(),
    unit: z.string(),
    state: z.enum(['active', 'revoked']),
    lastSeenAt: z.string().nullable(),
    health: z
      .object({
        at: z.string().nullable(),
        batteryPct: z.number().nullable(),
        storageFreeMb: z.number().nullable(),
        clockDriftMs: z.number().nullable(),
        flags: z.array(healthFlagSchema),
      })
      .strict()
      .describe('as of its last health report'),
    error: z.string().nullable().describe('why the server cannot record the device now (fixed cameras: e.g. rtsp_auth_failed)'),
    rtspUrl: z.string().nullable().describe('without its credentials'),
    cutter: cutterSettingSchema.shape.cutter.describe("what cuts its RTMP stream from its next publish on; null: the server's LIUHEN_CUTTER"),
  })
  .strict();

export const deviceSchema = z.object({ device: deviceViewSchema }).strict();
