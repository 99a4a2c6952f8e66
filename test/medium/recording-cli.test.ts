/**
 * `liuhen recording share|label` against a running server's database: the operator shares a
 * recording with a reviewer for a period (replay opens, and closes when a period ends), labels
 * an unlabelled recording, and is refused — audited — when it tries to change or clear a label.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { CLI_ACTOR } from '../../server/cli/actor.ts';
import { runCli } from '../helpers/cli.ts';
import { apiFetch } from '../helpers/http.ts';
import { sealedRecording } from '../helpers/sealed-recording.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let env: Record<string, string>;
let camera: Device;
let reviewer: SignedIn;
let minutesBack = 0;

beforeAll(async () => {
  env = await testEnv();
  server = await startTestServer(env);
  camera = (await server.core.devices.add({ kind: 'bodycam', officerBadge: 'RC-1', unit: 'u1' }, 'test')).device;
  reviewer = await signedInUser(server, 'reviewer', 'u1', 'RV-1');
  await signedInUser(server, 'commander', 'u1', 'CM-1');
}, 60_000);
afterAll(async () => server?.stop());

const recording = () => sealedRecording(server, camera, new Date(Date.now() - 3_600_000 - ++minutesBack * 60_000));
const replay = async (id: string) => (await apiFetch(server.httpPort, reviewer, 'playback-sessions', { recordingId: id })).status;
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
async function audited(action: string, subject: string) {
  await server.core.audit.flush();
  return (await server.core.audit.query({ action })).filter((e) => e.subject === subject);
}

describe('liuhen recording share', () => {
  it('lets the reviewer replay until the period ends, audited as the operator', async () => {
    const id = await recording();
    expect(await replay(id)).toBe(403);
    const shared = await runCli(['recording', 'share', id, '--viewer', 'RV-1', '--until', inSeconds(3600)], env);
    expect(shared.stderr).toBe('');
    expect(shared.code).toBe(0);
    expect(shared.stdout).toContain('RV-1');
    expect(await replay(id)).toBe(201);
    const [event] = await audited('recording.share', id);
    expect(event).toMatchObject({ actor: CLI_ACTOR, outcome: 'ok' });
    expect(JSON.parse(event!.detail)).toMatchObject({ with: reviewer.userId, badge: 'RV-1' });
    // Shared again (here by a custodian through the API) for a shorter period: when it ends, replay closes and the list drops it.
    const custodian = await signedInUser(server, 'custodian', 'u1', 'KP-1');
    // Seconds enough for the request to arrive within them on a loaded machine.
    expect((await apiFetch(server.httpPort, custodian, `recordings/${id}/shares`, { badge: 'RV-1', until: inSeconds(6) })).status).toBe(204);
    await waitFor('the share to end', async () => (await replay(id)) === 403, 20_000);
    const list = (await (await apiFetch(server.httpPort, reviewer, 'recordings')).json()) as { recordings: { id: string }[] };
    expect(list.recordings.map((r) => r.id)).not.toContain(id);
  });

  it('refuses a period already over and someone not a reviewer', async () => {
    const id = await recording();
    const past = await runCli(['recording', 'share', id, '--viewer', 'RV-1', '--until', inSeconds(-60)], env);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('future');
    const commander = await runCli(['recording', 'share', id, '--viewer', 'CM-1', '--until', inSeconds(3600)], env);
    expect(commander.code).toBe(2);
    expect(commander.stderr).toContain('not an active reviewer');
    expect(await audited('recording.share', id)).toEqual([]);
  });
});

describe('liuhen recording label', () => {
  it('labels an unlabelled recording, which closes a reviewer’s replay, but cannot clear the label', async () => {
    const id = await recording();
    await server.core.db.insertInto('recording_shares').values({ recording_id: id, user_id: reviewer.userId, shared_by: 'test', shared_at: new Date().toISOString(), expires_at: null }).execute();
    expect(await replay(id)).toBe(201);

    const set = await runCli(['recording', 'label', id, '--label', 'privacy'], env);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('privacy');
    expect(await replay(id)).toBe(403);

    const refused = await runCli(['recording', 'label', id, '--label', 'none'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('no privacy clearance');
    const row = await server.core.db.selectFrom('recordings').select('confidentiality').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.confidentiality).toBe('privacy');
    const events = await audited('recording.label', id);
    expect(events.map((e) => [e.actor, e.outcome])).toEqual([
      [CLI_ACTOR, 'ok'],
      [CLI_ACTOR, 'refused'],
    ]);
  });
});
