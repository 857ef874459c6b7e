/** The simulated platforms, in one list. Adding a platform means adding its module here. */
import type { SandboxPlatform } from '../platform.ts';
import { facebook } from './facebook.ts';
import { linkedin } from './linkedin.ts';
import { mastodon } from './mastodon.ts';
import { threads } from './threads.ts';
import { tiktok } from './tiktok.ts';
import { twitter } from './twitter.ts';

export const platforms: readonly SandboxPlatform[] = [twitter, facebook, linkedin, tiktok, threads, mastodon];
