/** Facts about Glide itself that the installers, the scaffolded project and the images share. */

/** The port Glide's API listens on: the scaffolded config, the "next steps" health check, the images' ExposedPorts. */
export const GLIDE_PORT = 9099;

/** Glide's GitHub repository: where releases come from unless GLIDE_REPO (installers) or `repo` (release config) say otherwise. */
export const GLIDE_REPO = 'EinStack/glide';
