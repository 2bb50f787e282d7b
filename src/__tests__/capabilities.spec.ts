import { ICapabilities } from '../api';
import { slowFiltersOf } from '../components/CatalogPanel';
import { parseSearch } from '../search';

function capabilities(filters: Record<string, 'native' | 'slow'>): ICapabilities {
  return {
    version: '1',
    api: 1,
    backend: { kind: 'oci', label: 'OCI Data Science', location: 'oci://eu-frankfurt-1/c' },
    capabilities: {
      filters,
      sorts: ['time_created', 'name'],
      deduplicates: false,
      verify_stored: false,
      garbage_collection: false,
      versions: true,
      history: false,
      projects: true
    }
  };
}

describe('slowFiltersOf', () => {
  it('names the filters of a search that the backend applies after fetching', () => {
    const caps = capabilities({ tags: 'slow', text: 'slow', created_by: 'native' });
    expect(slowFiltersOf(parseSearch('churn tag:team=ml user:alice'), caps)).toEqual([
      'text',
      'tag'
    ]);
    expect(slowFiltersOf(parseSearch('user:alice'), caps)).toEqual([]);
  });

  it('says nothing when the backend answers every filter, or does not say', () => {
    expect(slowFiltersOf(parseSearch('churn tag:a=b'), capabilities({ tags: 'native' }))).toEqual(
      []
    );
    expect(slowFiltersOf(parseSearch('churn'), null)).toEqual([]);
  });
});
