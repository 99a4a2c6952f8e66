import { describe, expect, it } from 'vitest';
import { BACKOFF, nextDelay } from '../../server/ingest/camera-puller.ts';
import { joinRtspUrl, redactRtsp, splitRtspUrl } from '../../server/ingest/rtsp-url.ts';
import { classifyPullFailure, rtspPullInputOptions, rtspPullOutputOptions } from '../../server/media/rtsp-pull-args.ts';

describe('a fixed camera address', () => {
  it('keeps credentials apart from the URL, whether given in it or separately', () => {
    expect(splitRtspUrl('rtsp://admin:s3cr%40t@10.0.0.5:554/stream1')).toEqual({ url: 'rtsp://10.0.0.5:554/stream1', credentials: 'admin:s3cr%40t' });
    expect(splitRtspUrl('rtsp://10.0.0.5/stream1', 'op', 'p:w')).toEqual({ url: 'rtsp://10.0.0.5/stream1', credentials: 'op:p%3Aw' });
    expect(splitRtspUrl('rtsp://10.0.0.5/stream1').credentials).toBeNull();
    expect(joinRtspUrl(splitRtspUrl('rtsp://10.0.0.5/s', 'op', 'p@ss'))).toBe('rtsp://op:p%40ss@10.0.0.5/s');
    expect(() => splitRtspUrl('http://10.0.0.5/stream')).toThrow();
  });

  it('never lets the password out of what ffmpeg printed', () => {
    const a = splitRtspUrl('rtsp://admin:hunter22@127.0.0.1:8554/cam');
    const said = '[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized\nrtsp://admin:hunter22@127.0.0.1:8554/cam: Server returned 401 Unauthorized (authorization failed)';
    const clean = redactRtsp(said, a);
    expect(clean).not.toContain('hunter22');
    expect(clean).toContain('rtsp://***@127.0.0.1:8554/cam');
  });
});

describe('the RTSP pull command', () => {
  it('pulls over TCP with an I/O timeout and only copies the streams into MPEG-TS, which carries H.265', () => {
    const input = rtspPullInputOptions();
    expect(input[input.indexOf('-rtsp_transport') + 1]).toBe('tcp');
    expect(Number(input[input.indexOf('-timeout') + 1])).toBeGreaterThan(0);
    const output = rtspPullOutputOptions().join(' ');
    expect(output).toContain('-c copy');
    expect(output).toContain('-f mpegts');
    expect(output).not.toContain('flv');
  });

  it('tells a camera that needs a person from a network outage', () => {
    expect(classifyPullFailure('Server returned 401 Unauthorized (authorization failed)')).toMatchObject({ error: 'rtsp_auth_failed', cause: 'device_fault', needsPerson: true });
    expect(classifyPullFailure('Server returned 404 Not Found')).toMatchObject({ error: 'rtsp_not_found', needsPerson: true });
    expect(classifyPullFailure('Connection to tcp://127.0.0.1:8554?timeout=5000000 failed: Connection refused')).toMatchObject({ error: 'rtsp_unreachable', cause: 'network', needsPerson: false });
  });

  it('names a codec ffmpeg cannot carry as such: the camera answered, a person must set another codec', () => {
    // ffmpeg 5.1's words when FLV was asked to carry H.265, and when RTSP names a codec it does not know
    const refusals = [
      '[flv @ 0x5633a6019080] Video codec hevc not compatible with flv\nCould not write header for output file #0 (incorrect codec parameters ?): Function not implemented',
      '[rtsp @ 0x55] Could not find codec parameters for stream 0 (Video: none, none): unknown codec\nConsider increasing the value for the analyzeduration',
      '[mp4 @ 0x55] Could not find tag for codec pcm_alaw in stream #1, codec not currently supported in container',
    ];
    for (const said of refusals) expect(classifyPullFailure(said), said).toMatchObject({ error: 'rtsp_unsupported_codec', cause: 'device_fault', needsPerson: true });
    expect(classifyPullFailure('[rtsp @ 0x55] Invalid data found when processing input')).toMatchObject({ error: 'rtsp_bad_stream' });
  });

  it('backs off: fast again after a stream, doubling while the network is down, slow when a person must act', () => {
    const network = classifyPullFailure('Connection refused');
    const auth = classifyPullFailure('401 Unauthorized');
    expect(nextDelay(16_000, { streamed: true })).toBe(BACKOFF.firstMs);
    let d = 0;
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) seen.push((d = nextDelay(d, { streamed: false, failure: network })));
    expect(seen.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(Math.max(...seen)).toBe(BACKOFF.networkMaxMs);
    expect(nextDelay(0, { streamed: false, failure: auth })).toBe(BACKOFF.personFirstMs);
    expect(nextDelay(BACKOFF.personMaxMs, { streamed: false, failure: auth })).toBe(BACKOFF.personMaxMs);
  });
});
