import type { catalogCalls } from '../contract/catalog';
import { err, ok } from '../contract/result';
import type { Catalog } from '../catalog/catalog';
import type { DomainHandlers } from './context';

export interface CatalogHandlerDeps {
  catalog: Catalog;
}

export function createCatalogHandlers({ catalog }: CatalogHandlerDeps): DomainHandlers<typeof catalogCalls> {
  return {
    'catalog.studies': async (query) => ok(catalog.studies(query)),
    'catalog.study': async ({ studyKey }) => {
      const study = catalog.study(studyKey);
      return study ? ok(study) : err('not_found', `catalog.study: no study '${studyKey}' in the catalog; import its files first`);
    },
    'catalog.series': async ({ seriesKey }) => {
      const series = catalog.series(seriesKey);
      return series ? ok(series) : err('not_found', `catalog.series: no series '${seriesKey}' in the catalog; import its files first`);
    },
    'catalog.grantPaths': async ({ paths, how }) => ok({ granted: catalog.grant(paths, how) }),
  };
}
