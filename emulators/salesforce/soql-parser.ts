// A recursive-descent parser for the SOQL subset a CRM sync needs:
//   SELECT path, ... FROM SObject [WHERE condition] [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST], ...]
//   [LIMIT n] [OFFSET n]
// Conditions: path op literal, path [NOT] IN (...), path [NOT] LIKE 'x', NOT c, (c), c AND c, c OR c.
// Like Salesforce, AND and OR may not be mixed at one level without parentheses.
import { SoqlError } from './errors.js';
import { tokenize, type ComparisonOperator, type Token } from './soql-lexer.js';

/** A field reference: ['Email'] or, through a relationship, ['Account', 'Name']. */
export interface FieldPath {
  parts: string[];
  offset: number;
}

export type Literal =
  | { kind: 'string'; value: string; likePattern: RegExp; usesLikeEscapes: boolean; offset: number }
  | { kind: 'number'; value: number; offset: number }
  | { kind: 'boolean'; value: boolean; offset: number }
  | { kind: 'null'; offset: number }
  | { kind: 'datetime'; epochMs: number; offset: number }
  | { kind: 'date'; epochMs: number; offset: number };

export type Condition =
  | { kind: 'and' | 'or'; operands: Condition[] }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; field: FieldPath; operator: ComparisonOperator; value: Literal }
  | { kind: 'in'; field: FieldPath; negated: boolean; values: Literal[] }
  | { kind: 'like'; field: FieldPath; pattern: Extract<Literal, { kind: 'string' }> };

export interface OrderItem {
  field: FieldPath;
  descending: boolean;
  nullsFirst: boolean;
}

export interface SoqlQuery {
  fields: FieldPath[];
  sobject: { name: string; offset: number };
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

/** SOQL's maximum OFFSET. */
const MAX_OFFSET = 2000;

export function parseSoql(soql: string): SoqlQuery {
  return new Parser(soql).parseQuery();
}

class Parser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(private readonly soql: string) {
    this.tokens = tokenize(soql);
  }

  parseQuery(): SoqlQuery {
    this.expectKeyword('SELECT');
    const fields = this.parseList(() => this.parseFieldPath());
    this.expectKeyword('FROM');
    const from = this.expectIdentifier();
    if (from.text.includes('.')) this.fail(from.offset, `unexpected token: '${from.text}'`);
    const query: SoqlQuery = { fields, sobject: { name: from.text, offset: from.offset }, orderBy: [] };
    if (this.acceptKeyword('WHERE')) query.where = this.parseCondition();
    if (this.acceptKeyword('ORDER')) {
      this.expectKeyword('BY');
      query.orderBy = this.parseList(() => this.parseOrderItem());
    }
    if (this.acceptKeyword('LIMIT')) query.limit = this.parseNonNegativeInteger();
    if (this.acceptKeyword('OFFSET')) {
      const offsetToken = this.peek();
      query.offset = this.parseNonNegativeInteger();
      if (query.offset > MAX_OFFSET) this.fail(offsetToken.offset, `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
    }
    const end = this.peek();
    if (end.kind !== 'end') this.unexpected(end);
    return query;
  }

  private parseList<T>(parseItem: () => T): T[] {
    const items = [parseItem()];
    while (this.acceptPunctuation(',')) items.push(parseItem());
    return items;
  }

  private parseFieldPath(): FieldPath {
    const token = this.expectIdentifier();
    if (isReserved(token.text)) this.unexpected(token);
    return { parts: token.text.split('.'), offset: token.offset };
  }

  private parseOrderItem(): OrderItem {
    const field = this.parseFieldPath();
    let descending = false;
    if (this.acceptKeyword('DESC')) descending = true;
    else this.acceptKeyword('ASC');
    // Salesforce puts nulls first when ascending and last when descending unless told otherwise.
    let nullsFirst = !descending;
    if (this.acceptKeyword('NULLS')) {
      if (this.acceptKeyword('FIRST')) nullsFirst = true;
      else {
        this.expectKeyword('LAST');
        nullsFirst = false;
      }
    }
    return { field, descending, nullsFirst };
  }

  private parseNonNegativeInteger(): number {
    const token = this.next();
    if (token.kind !== 'number' || !Number.isInteger(token.value) || token.value < 0) this.unexpected(token);
    return token.value;
  }

  /** condition := unary (AND unary)* | unary (OR unary)* */
  private parseCondition(): Condition {
    const first = this.parseUnary();
    const joiner = this.peekKeyword('AND') ? 'and' : this.peekKeyword('OR') ? 'or' : undefined;
    if (!joiner) return first;
    const operands = [first];
    while (this.acceptKeyword(joiner.toUpperCase())) operands.push(this.parseUnary());
    const mixed = this.peek();
    if (this.peekKeyword('AND') || this.peekKeyword('OR')) this.unexpected(mixed);
    return { kind: joiner, operands };
  }

  private parseUnary(): Condition {
    if (this.acceptKeyword('NOT')) return { kind: 'not', operand: this.parseUnary() };
    if (this.acceptPunctuation('(')) {
      const inner = this.parseCondition();
      this.expectPunctuation(')');
      return inner;
    }
    return this.parseSimpleCondition();
  }

  private parseSimpleCondition(): Condition {
    const field = this.parseFieldPath();
    const token = this.next();
    if (token.kind === 'operator') return { kind: 'compare', field, operator: token.text, value: this.parseLiteral() };
    if (token.kind === 'identifier') {
      const keyword = token.text.toUpperCase();
      if (keyword === 'IN') return { kind: 'in', field, negated: false, values: this.parseLiteralList() };
      if (keyword === 'LIKE') return { kind: 'like', field, pattern: this.parseLikePattern() };
      if (keyword === 'NOT') {
        if (this.acceptKeyword('IN')) return { kind: 'in', field, negated: true, values: this.parseLiteralList() };
        if (this.acceptKeyword('LIKE')) return { kind: 'not', operand: { kind: 'like', field, pattern: this.parseLikePattern() } };
      }
    }
    this.unexpected(token);
  }

  private parseLiteralList(): Literal[] {
    this.expectPunctuation('(');
    const values = this.parseList(() => this.parseLiteral());
    this.expectPunctuation(')');
    return values;
  }

  private parseLikePattern(): Extract<Literal, { kind: 'string' }> {
    const token = this.next();
    if (token.kind !== 'string') this.unexpected(token);
    return token;
  }

  private parseLiteral(): Literal {
    const token = this.next();
    switch (token.kind) {
      case 'string':
        // \% and \_ only mean something inside LIKE; elsewhere Salesforce rejects them.
        if (token.usesLikeEscapes) this.fail(token.offset, `Invalid string literal: \\% and \\_ are only allowed in LIKE patterns`);
        return token;
      case 'number':
        return { kind: 'number', value: token.value, offset: token.offset };
      case 'datetime':
        return { kind: 'datetime', epochMs: token.epochMs, offset: token.offset };
      case 'date':
        return { kind: 'date', epochMs: token.epochMs, offset: token.offset };
      case 'identifier': {
        const word = token.text.toLowerCase();
        if (word === 'null') return { kind: 'null', offset: token.offset };
        if (word === 'true' || word === 'false') return { kind: 'boolean', value: word === 'true', offset: token.offset };
      }
    }
    this.unexpected(token);
  }

  private peek(): Token {
    return this.tokens[this.position]!;
  }

  private next(): Token {
    const token = this.tokens[this.position]!;
    if (token.kind !== 'end') this.position++;
    return token;
  }

  private peekKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.kind === 'identifier' && token.text.toUpperCase() === keyword;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.peekKeyword(keyword)) return false;
    this.position++;
    return true;
  }

  private expectKeyword(keyword: string): void {
    if (!this.acceptKeyword(keyword)) this.unexpected(this.peek());
  }

  private expectIdentifier(): Extract<Token, { kind: 'identifier' }> {
    const token = this.next();
    if (token.kind !== 'identifier') this.unexpected(token);
    return token;
  }

  private acceptPunctuation(text: '(' | ')' | ','): boolean {
    const token = this.peek();
    if (token.kind !== 'punctuation' || token.text !== text) return false;
    this.position++;
    return true;
  }

  private expectPunctuation(text: '(' | ')' | ','): void {
    if (!this.acceptPunctuation(text)) this.unexpected(this.peek());
  }

  private unexpected(token: Token): never {
    this.fail(token.offset, `unexpected token: ${describe(token)}`);
  }

  private fail(offset: number, detail: string): never {
    throw new SoqlError('MALFORMED_QUERY', this.soql, offset, detail);
  }
}

const RESERVED = new Set(['SELECT', 'FROM', 'WHERE', 'ORDER', 'BY', 'LIMIT', 'OFFSET', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'NULL', 'TRUE', 'FALSE', 'ASC', 'DESC', 'NULLS']);

function isReserved(word: string): boolean {
  return RESERVED.has(word.toUpperCase());
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return '<EOF>';
    case 'string':
      return `'${token.value}'`;
    case 'identifier':
    case 'number':
    case 'datetime':
    case 'date':
    case 'operator':
    case 'punctuation':
      return `'${token.text}'`;
  }
}
