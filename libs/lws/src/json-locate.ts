// Finds where JSON text first goes wrong, because V8's JSON.parse messages do not always carry a
// position ("Unexpected token '}', ... is not valid JSON"), and finds duplicate keys, which
// JSON.parse silently resolves to the last one while Kubernetes' strict decoding refuses them.

export interface JsonSyntaxError {
  offset: number;
  reason: string;
}

export function locateJsonError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (reason: string): never => {
    throw { offset: i, reason } satisfies JsonSyntaxError;
  };
  const describeAt = () => (i >= text.length ? 'end of input' : `'${text[i]}'`);
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (ch: string) => {
    if (text[i] !== ch) fail(`expected '${ch}', found ${describeAt()}`);
    i++;
  };
  const string = () => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('invalid \\u escape');
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail(`invalid escape ${describeAt()}`);
      } else if (text.charCodeAt(i) < 0x20) {
        fail('control character in string');
      }
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      const keys = new Set<string>();
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a double-quoted property name, found ${describeAt()}`);
        const keyStart = i;
        string();
        const key = JSON.parse(text.slice(keyStart, i)) as string;
        if (keys.has(key)) {
          i = keyStart;
          fail(`duplicate key ${JSON.stringify(key)}`);
        }
        keys.add(key);
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(`expected ',' or '}', found ${describeAt()}`);
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(`expected ',' or ']', found ${describeAt()}`);
      }
    }
    if (ch === '"') return string();
    const literal = /^(true|false|null|-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(
      text.slice(i, i + 64),
    );
    if (!literal) fail(`expected a value, found ${describeAt()}`);
    i += literal![0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${describeAt()} after the end of the value`);
    return undefined;
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'offset' in e) return e as JsonSyntaxError;
    throw e;
  }
}
