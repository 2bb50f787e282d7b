import { describeToken, parseSearch, parseTag, parseTagFilter, tokenize } from '../search';

describe('tokenize (mirrors search.py _tokenize)', () => {
  it('splits on whitespace and groups quotes, keeping offsets', () => {
    const tokens = tokenize('churn  name:"churn model" it\'s');
    expect(tokens.map(t => t.text)).toEqual(['churn', 'name:churn model', "it's"]);
    expect(tokens[1]).toMatchObject({ start: 7, end: 25, quoted: false });
    expect(tokenize('"a:b" c')[0]).toMatchObject({ text: 'a:b', quoted: true });
  });
});

describe('parseSearch', () => {
  it('reads the issue example', () => {
    const parsed = parseSearch(
      'churn tag:version=3 tag:team=ml* user:alice state:inactive framework:sklearn'
    );
    expect(parsed.error).toBeNull();
    expect(parsed.text).toBe('churn');
    expect(parsed.setsState).toBe(true);
    const fields = parsed.tokens.filter(t => t.kind === 'field');
    expect(fields.map(t => t.attribute)).toEqual([
      'tags',
      'tags',
      'created_by',
      'state',
      'framework'
    ]);
    expect(fields[0].tag).toEqual({ key: 'version', value: '3', prefix: false });
    expect(fields[1].tag).toEqual({ key: 'team', value: 'ml', prefix: true });
  });

  it('treats quoted words, non-identifiers and URLs as text', () => {
    const parsed = parseSearch('"a:b" 3:4 https://x');
    expect(parsed.tokens.every(t => t.kind === 'text')).toBe(true);
    expect(parsed.text).toBe('a:b 3:4 https://x');
    expect(parsed.error).toBeNull();
  });

  it('flags unknown fields, duplicate fields and bad states like the server', () => {
    expect(parseSearch('colour:red').error).toMatch(/Unknown search field 'colour:'/);
    expect(parseSearch('user:a user:b').error).toMatch(/appears twice/);
    expect(parseSearch('state:gone').error).toMatch(/Unknown state 'gone'/);
    expect(parseSearch('tag:bad key=1').error).toBeNull(); // "key=1" is free text
    expect(parseSearch('tag:=1').error).toMatch(/tag needs a key/);
    expect(parseSearch('tag:k=a*b').error).toMatch(/trailing \*/);
  });

  it('allows sort/order twice and is case-insensitive on field names', () => {
    expect(parseSearch('sort:name sort:version').error).toBeNull();
    expect(parseSearch('USER:alice').tokens[0].attribute).toBe('created_by');
  });

  it('describes tokens for the chips under the search box', () => {
    const [text, exact, prefix, has, user] = parseSearch(
      'churn tag:v=3 tag:t=m* tag:r user:al'
    ).tokens;
    expect(describeToken(text)).toBe('“churn”');
    expect(describeToken(exact)).toBe('tag v = 3');
    expect(describeToken(prefix)).toBe('tag t = m…');
    expect(describeToken(has)).toBe('has tag r');
    expect(describeToken(user)).toBe('by al');
  });
});

describe('tags', () => {
  it('parseTag reads key:value and refuses bad keys', () => {
    expect(parseTag('version:3')).toEqual({ key: 'version', value: '3' });
    expect(parseTag('model-run:1')).toEqual({ key: 'model-run', value: '1' });
    expect(parseTag('url:http://x')).toEqual({ key: 'url', value: 'http://x' });
    expect(parseTag('nocolon')).toHaveProperty('error');
    expect((parseTag('bad key:1') as any).error).toMatch(/characters a key cannot hold/);
    expect((parseTag(':1') as any).error).toMatch(/needs a key/);
  });

  it('parseTagFilter handles exact, prefix and has-key forms', () => {
    expect(parseTagFilter('k=v')).toEqual({ key: 'k', value: 'v', prefix: false });
    expect(parseTagFilter('k:v')).toEqual({ key: 'k', value: 'v', prefix: false });
    expect(parseTagFilter('k=v*')).toEqual({ key: 'k', value: 'v', prefix: true });
    expect(parseTagFilter('k=*')).toEqual({ key: 'k', value: null, prefix: false });
    expect(parseTagFilter('k')).toEqual({ key: 'k', value: null, prefix: false, error: undefined });
  });
});
