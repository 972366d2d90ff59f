/** The HTTP client both installers build from their settings: proxies, and the token kept to GitHub's API origin. */
import { HttpClient } from './net/http.js';
import type { InstallerSettings } from './settings.js';

export function installerClient(settings: InstallerSettings, userAgent: string, signal?: AbortSignal): HttpClient {
  return new HttpClient({
    proxy: settings.proxy,
    apiOrigin: new URL(settings.githubApiUrl).origin,
    ...(settings.token ? { token: settings.token } : {}),
    userAgent,
    ...(signal ? { signal } : {}),
  });
}
