/** What a command may touch of the world: its output, the folder it runs in, and the cancel signal. */
export interface CliIo {
  /** Registry credentials are read from here (GITHUB_TOKEN, DOCKER_CONFIG, …); defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly signal: AbortSignal;
}
