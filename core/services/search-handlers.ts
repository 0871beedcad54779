import type { searchCalls } from '../contract/search';
import { err, ok } from '../contract/result';
import { DatabaseError } from '../db/open-database';
import type { SearchService } from '../search/search-service';
import { workerImageOf } from './assistant-handlers';
import type { DomainHandlers } from './context';

/** A database failure (search.db or catalog.db) as an error value naming the file; anything else is a bug and is rethrown. */
const guarded = async <T>(call: string, work: () => Promise<T>): Promise<T | ReturnType<typeof err>> => {
  try {
    return await work();
  } catch (e) {
    if (e instanceof DatabaseError) return err('io_error', `${call}: ${e.message}`);
    throw e;
  }
};

/** The archive search calls over the one SearchService of the app (core/search). */
export function createSearchHandlers(search: SearchService): DomainHandlers<typeof searchCalls> {
  return {
    'search.indexStatus': (_args) => guarded('search.indexStatus', async () => ok(search.status())),
    'search.indexStart': (_args) => guarded('search.indexStart', async () => search.startIndexing()),
    'search.text': ({ text, k }) => guarded('search.text', () => search.searchText(text, k)),
    'search.similar': (args) => guarded('search.similar', () => search.searchSimilar(args)),
    'search.image': ({ image, k }) => guarded('search.image', () => search.searchImage(workerImageOf(image), k)),
    'search.embedImage': ({ image }) => guarded('search.embedImage', () => search.embedImage(workerImageOf(image))),
    'search.storedEmbedding': (args) => guarded('search.storedEmbedding', () => search.storedEmbedding(args)),
  };
}
