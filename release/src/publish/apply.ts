/**
 * The writer half of publish: performs a plan's GitHub mutations in order, and nothing the plan
 * does not name. The draft is read again and checked complete just before it is published,
 * since publishing is the one step that cannot be taken back.
 */
import { join } from 'node:path';
import { GlideError } from '#contract';
import type { GitHubClient, GitHubRelease } from '../github/client.js';
import type { ReleaseLedger } from '../ledger.js';
import { NEW_DRAFT, type Mutation, type PublishPlan, type ReleaseRef } from './plan.js';
import { asWorldRelease } from './read-world.js';
import { assertDraftComplete } from './world.js';

export interface ApplyOptions {
  readonly client: GitHubClient;
  readonly ledger: ReleaseLedger;
  /** The drafts the world was read with, by id: their upload addresses. */
  readonly drafts: readonly GitHubRelease[];
  /** The `--out` folder the ledger's asset paths are relative to. */
  readonly outDir: string;
  /** Told after each mutation is done. */
  readonly done: (mutation: Mutation) => void;
}

export async function applyGithubMutations(plan: PublishPlan, options: ApplyOptions): Promise<void> {
  const { client, ledger } = options;
  const releases = new Map<ReleaseRef, GitHubRelease>(options.drafts.map((release) => [release.id, release]));
  const release = (ref: ReleaseRef): GitHubRelease => {
    const found = releases.get(ref);
    // The plan creates a draft before it names the new one, and names no other.
    if (!found) throw new Error(`the plan names release ${ref} before it exists`);
    return found;
  };
  for (const mutation of plan.mutations) {
    switch (mutation.kind) {
      case 'create-draft':
        releases.set(
          NEW_DRAFT,
          await client.createDraftRelease({
            tagName: mutation.tag,
            targetCommitish: mutation.commit,
            name: mutation.name,
            body: mutation.body,
            prerelease: mutation.prerelease,
          }),
        );
        break;
      case 'update-draft':
        await client.updateDraft(mutation.release, { name: mutation.name, body: mutation.body });
        break;
      case 'delete-asset':
        await client.deleteAsset(mutation.asset);
        break;
      case 'upload-asset': {
        const { asset } = mutation;
        await client.uploadAsset(release(mutation.release), {
          name: asset.name,
          path: join(options.outDir, asset.path),
          size: asset.size,
          sha256: asset.sha256,
        });
        break;
      }
      case 'publish-release': {
        const id = release(mutation.release).id;
        const now = await client.findReleaseByTag(ledger.tag);
        if (now?.id !== id || !now.draft) {
          throw new GlideError('ERELEASECONFLICT', `The draft release ${ledger.tag} (id ${id}) changed on GitHub while publish ran; it was not published.`, [
            'Stop whatever else is publishing this version, then run publish again.',
          ]);
        }
        assertDraftComplete(mutation.assets, await asWorldRelease(client, ledger, now));
        await client.publishRelease(id, { prerelease: mutation.prerelease, makeLatest: mutation.makeLatest });
        break;
      }
      case 'push-image':
      case 'move-image-tag':
        throw new Error(`publish --only github planned an image mutation (${mutation.ref})`);
    }
    options.done(mutation);
  }
}
