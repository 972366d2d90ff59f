// The contract between Glide's release side and its installers: both import it from here.
export * from './errors.js';
export * from './targets.js';
export * from './assets.js';
export * from './images.js';
export * from './channels.js';
export * from './mirror.js';
export * from './binary-header.js';
export * from './binary-head-file.js';
export * from './glide.js';
