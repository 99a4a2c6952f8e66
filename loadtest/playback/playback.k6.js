// The bench:playback scenario for k6 users (k6 cannot be installed on liuhen's build machines;
// loadtest/playback/bench-playback.ts runs the same scenario there with a Node driver).
//
//   k6 run -e BASE=http://liuhen:8080 -e BADGE_PREFIX=V -e PASSWORD='…' -e DEVICES=bc-…,bc-… \
//          --vus 1000 --duration 60s loadtest/playback/playback.k6.js
//
// Playlist signatures live 10 minutes: keep a run shorter, as a real player would open a new
// session. Each VU signs in as <BADGE_PREFIX><vu-1> (create those commander users first), opens a live
// playback session on one of DEVICES, reads its master playlist once for the last variant (as a
// player picks one), then loops at the live edge: that media playlist, its newest segment.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE;
const DEVICES = (__ENV.DEVICES || '').split(',').filter(Boolean);
let playlist = null;

function signIn() {
  const badge = `${__ENV.BADGE_PREFIX || 'V'}${__VU - 1}`;
  const res = http.post(`${BASE}/api/auth/sign-in`, JSON.stringify({ badge, password: __ENV.PASSWORD }), { headers: { 'content-type': 'application/json' } });
  check(res, { 'signed in': (r) => r.status === 200 });
  const token = res.json('accessToken');
  const session = http.post(`${BASE}/api/playback-sessions`, JSON.stringify({ deviceId: DEVICES[(__VU - 1) % DEVICES.length] }), {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  });
  check(session, { 'session created': (r) => r.status === 201 });
  return session.json('playlistUrl');
}

export default function () {
  if (!playlist) playlist = signIn();
  const list = http.get(`${BASE}${playlist}`, { tags: { kind: 'playlist' } });
  check(list, { 'playlist 200': (r) => r.status === 200 });
  const lines = String(list.body)
    .trim()
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  const newest = lines[lines.length - 1];
  if (!newest) return;
  const base = playlist.slice(0, playlist.lastIndexOf('/') + 1);
  if (String(list.body).includes('#EXT-X-STREAM-INF')) {
    playlist = `${base}${newest}`;
    return;
  }
  const seg = http.get(`${BASE}${base}${newest}`, { tags: { kind: 'segment' }, responseType: 'none' });
  check(seg, { 'segment 200': (r) => r.status === 200 });
}
