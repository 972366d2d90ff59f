/**
 * Typed errors shared by every CLI of the toolkit. `code` is stable (docs and `--json`
 * output depend on it); `message` tells the user what to do next.
 */
export const ERROR_CODES = [
  // release gates (docs/release.md)
  'ENOTSEMVER',
  'EPRERELEASEFORM',
  'EDIRTY',
  'ETAGNOTHEAD',
  'ENOTONBRANCH',
  'EVERSIONREGRESSION',
  'ERCGAP',
  'ESTABLEWITHOUTRC',
  'EPROMOTECOMMITMISMATCH',
  'ESOAK',
  'EIMPOSSIBLETARGET',
  'EVERSIONNOTINJECTED',
  'ECHECKSUM',
  'ETAGCLOBBER',
  'EALREADYPUBLISHED',
  // everything else the tools can refuse
  'EUSAGE',
  'ECONFIG',
  'EUNKNOWNTARGET',
  'ENOGO',
  'ENOTAG',
  'EGIT',
  'EBUILD',
  'EBADBINARY',
  'EBINARYMISMATCH',
  'EGOVERSION',
  'EUNSAFEPATH',
  'EOUTDIR',
  'ELEDGER',
  // init-ci (docs/release.md, "CI workflow")
  'EWORKFLOWCHANGED',
  // publish's plan (release/src/publish/)
  'ERELEASEBURNED',
  'ERELEASECONFLICT',
  'EDRAFTINCOMPLETE',
  // the installers (create-glide, glide-up)
  'EUNSUPPORTEDPLATFORM',
  'ENORELEASE',
  'ENETWORK',
  'ERATELIMIT',
  'ETLS',
  'EUNSAFEARCHIVE',
  'ESMOKE',
  'ELOCKED',
  'EDIRNOTEMPTY',
  'ECANCELLED',
  'EDISK',
  'ECACHEDIR',
  'EPROJECTDIR',
  // running Glide (src/run, src/docker)
  'EUNHEALTHY',
  'EDOCKER',
  'ECOMPOSE',
  'EPORTINUSE',
  'ENOPLATFORMIMAGE',
  'ETEMPLATE',
  // glide-up
  'ENOTCACHED',
  'ENOPROVIDERKEY',
  // the GitHub client of glide-release (release/src/github)
  'EGITHUB',
  'EASSETCONFLICT',
  // promote's proof that a stable's binaries are its RC's (release/src/binaries/promote-proof.ts)
  'ENOTREPRODUCIBLE',
  // promote's refusals (release/src/promote)
  'ENOTLASTRC',
  'ERCNOTPUBLISHED',
  'ERCNOTBUILT',
  // verify's checks of a published release (release/src/verify)
  'EPRERELEASEFLAG',
  'ELATEST',
  'EMISSINGASSET',
  'EASSETNAME',
  // promote's proof that a stable's images are its RC's (release/src/images/promote-proof.ts)
  'EIMAGEPROOF',
  // the Snap channel (release/src/channels/snap)
  'ESNAPVERSION',
  'ESNAPPACK',
  'ESNAPCONFLICT',
  'ESNAPSTORE',
  // verify's checks of a release's images (release/src/verify/images.ts)
  'EIMAGEMISMATCH',
  'EIMAGETAG',
  // the Homebrew channel (release/src/channels/homebrew, docs/channels.md)
  'EHOMEBREW',
  'EHOMEBREWTAP',
  'EHOMEBREWCONFLICT',
  'EHOMEBREWPUSH',
  // the Chocolatey channel (release/src/channels/chocolatey, docs/channels.md)
  'ECHOCOVERSION',
  'ECHOCONOWINDOWS',
  'ECHOCONUSPEC',
  'ECHOCOCONFLICT',
  'ECHOCOFEED',
  // the Helm chart channel (release/src/channels/helm)
  'EHELMCHART',
  'EHELMCLOBBER',
  'EHELMINDEX',
  'EHELMINDEXPUSH',
  // sharded builds and their merge (release/src/shares, docs/release.md "Sharded builds")
  'ESHAREFOLDER',
  'ENOTSHARE',
  'ESHAREMISMATCH',
  'ESHAREDUPLICATE',
  'ESHAREMISSING',
  'ESHAREBYTES',
  'ESHAREUNLISTED',
  'ESHARELINK',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class GlideError extends Error {
  readonly code: ErrorCode;
  /** Extra lines shown under the message (a list of allowed values, the failing gates…). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, details: readonly string[] = []) {
    super(message);
    this.name = 'GlideError';
    this.code = code;
    this.details = details;
  }
}

export function isGlideError(value: unknown): value is GlideError {
  return value instanceof GlideError;
}
