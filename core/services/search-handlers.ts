import type { searchCalls } from '../contract/search';
import { err } from '../contract/result';
import type { DomainHandlers } from './context';

/** The search calls; until the index lands (core/search) every call answers `unsupported` in words. */
export function createSearchHandlers(): DomainHandlers<typeof searchCalls> {
  const notYet = (call: string) => err('unsupported', `${call}: archive search is not available in this build yet`);
  return {
    'search.indexStatus': async () => notYet('search.indexStatus'),
    'search.indexStart': async () => notYet('search.indexStart'),
    'search.text': async () => notYet('search.text'),
    'search.similar': async () => notYet('search.similar'),
  };
}
