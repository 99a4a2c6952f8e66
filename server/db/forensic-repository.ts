import { Repository } from './repository.ts';
import type { Export, PlaybackSession, User } from './schema.ts';

/** What a leak trace looks up: which recordings carry marks, and who could have received them. */
export class ForensicRepository extends Repository {
  /** Recordings that have marked variants. */
  async markedRecordings(): Promise<string[]> {
    return (await this.db.selectFrom('derivatives').select('recording_id').distinct().where('kind', '=', 'mark_a').execute()).map((r) => r.recording_id);
  }

  /** The recording's replay sessions, with their viewers' names and badges. */
  async replaySessionsOf(recordingId: string): Promise<(Pick<PlaybackSession, 'id' | 'user_id' | 'created_at'> & Pick<User, 'name' | 'badge'>)[]> {
    return this.db
      .selectFrom('playback_sessions')
      .innerJoin('users', 'users.id', 'playback_sessions.user_id')
      .select(['playback_sessions.id', 'playback_sessions.user_id', 'playback_sessions.created_at', 'users.name', 'users.badge'])
      .where('playback_sessions.recording_id', '=', recordingId)
      .where('playback_sessions.kind', '=', 'replay')
      .execute();
  }

  /** The recording's party copies. */
  async partyCopiesOf(recordingId: string): Promise<Pick<Export, 'id' | 'recipient' | 'approval_no' | 'created_at'>[]> {
    return this.db.selectFrom('exports').select(['id', 'recipient', 'approval_no', 'created_at']).where('recording_id', '=', recordingId).where('kind', '=', 'party_copy').execute();
  }
}
