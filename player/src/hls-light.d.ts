// hls.js ships typings for its full build only; the light build has the same API without the
// features this player does not use (subtitles, alternate audio, DRM, CMCD).
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
