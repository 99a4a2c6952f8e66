/**
 * `liuhen recording share|label`: the custodian's acts from the command line, done by the operator
 * (CLI_ACTOR) through the same RecordingKeeping as the API, audited alike. The operator holds no
 * clearance, so by the label rule (issue 13, finding 1) it may put a label on an unlabelled
 * recording — that only narrows who replays it — but never change or clear one: that is for a
 * custodian cleared for both labels, in the replay page.
 */
import { z } from 'zod';
import type { Confidentiality, Recording } from '../db/schema.ts';
import { recordingIdSchema } from '../ids.ts';
import type { Core } from '../core.ts';
import type { Decision } from '../policy/policy.ts';
import { type Keeper, labelSchema } from '../recordings/recording-keeping.ts';
import { CLI_ACTOR } from './actor.ts';
import { EXIT } from './exit-codes.ts';

export const RECORDING_USAGE = `  liuhen recording share <recordingId> --viewer <badgeNo> --until <ISO time>
                                              lets an active reviewer replay the recording until then
                                              (sharing again sets a new end)
  liuhen recording label <recordingId> --label state_secret|trade_secret|privacy|none
                                              labels an unlabelled recording; changing or clearing a
                                              label takes a custodian cleared for it (replay page)
`;

const OPERATOR: Keeper = {
  actor: CLI_ACTOR,
  mayShare: (): Decision => ({ allow: true }),
  mayLabel: (rec: Recording, to: Confidentiality | null): Decision =>
    rec.confidentiality === null || rec.confidentiality === to ? { allow: true } : { allow: false, reason: `the operator holds no ${rec.confidentiality} clearance to change or clear it` },
};

const recordingArg = z.string({ required_error: 'give a recording id' }).pipe(recordingIdSchema);
const shareArgs = z.object({
  viewer: z.string({ required_error: 'give --viewer <badgeNo>' }),
  until: z.string({ required_error: 'give --until <ISO time>' }).datetime({ offset: true, message: '--until must be an ISO time with its offset, e.g. 2027-01-31T18:00:00+08:00' }),
});
const labelArg = z
  .string({ required_error: 'give --label <label|none>' })
  .transform((l) => (l === 'none' ? null : l))
  .pipe(labelSchema);

export async function recordingCommand(core: Core, sub: string | undefined, id: string | undefined, values: { viewer?: string; until?: string; label?: string }): Promise<number | null> {
  const { keeping } = core;
  if (sub === 'share') {
    const { viewer, until } = shareArgs.parse(values);
    const share = await keeping.share(OPERATOR, recordingArg.parse(id), { badge: viewer, until });
    process.stdout.write(`recording ${share.recordingId} shared with reviewer ${share.badge} until ${share.until}\n`);
    return EXIT.ok;
  }
  if (sub === 'label') {
    const { from, to } = await keeping.label(OPERATOR, recordingArg.parse(id), labelArg.parse(values.label));
    process.stdout.write(`recording ${id} labelled ${to ?? 'none'} (was ${from ?? 'none'})\n`);
    return EXIT.ok;
  }
  return null;
}
