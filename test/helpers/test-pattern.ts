/**
 * ffmpeg's inputs for a stand-in camera, made by lavfi: what it sees, and a sine tone as its
 * microphone. Every test helper and benchmark that makes camera media takes them from here, so
 * their inputs differ only in the size, rate, picture and tone each asks for.
 */

/** A sine tone as the camera's microphone. */
export interface Tone {
  hz: number;
  sampleRate: number;
}

/**
 * What the camera sees: `pattern`, testsrc2's moving test pattern; `noise`, grey noise, megabytes
 * a frame once encoded losslessly (for tests that need bulk fast); `scene`, the test pattern over
 * a zooming fractal with film grain (motion and detail everywhere, as a camera sees).
 */
export type Picture = 'pattern' | 'noise' | 'scene';

/** The tone unless a caller needs another. */
export const ONE_KHZ_TONE: Tone = { hz: 1000, sampleRate: 44_100 };

/** `-f lavfi -i …` for the picture at `size` (WxH) and `fps`, then for the tone (null: no microphone). */
export function testPatternInputs(size: string, fps: number, { picture = 'pattern', tone = ONE_KHZ_TONE }: { picture?: Picture; tone?: Tone | null } = {}): string[] {
  const pattern = `testsrc2=size=${size}:rate=${fps}`;
  const video = {
    pattern,
    noise: `color=c=gray:s=${size}:r=${fps},noise=alls=100:allf=t+u`,
    scene: `${pattern}[a];mandelbrot=size=${size}:rate=${fps}[b];[a][b]blend=all_mode=average,noise=alls=12:allf=t+u[out0]`,
  }[picture];
  const audio = tone ? ['-f', 'lavfi', '-i', `sine=frequency=${tone.hz}:sample_rate=${tone.sampleRate}`] : [];
  return ['-f', 'lavfi', '-i', video, ...audio];
}
