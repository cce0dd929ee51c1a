// Salesforce REST errors: a JSON array of {message, errorCode}. Query errors quote the SOQL with a
// caret under the offending column, which is how people find the mistake in a long query.

export class SalesforceApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }

  toBody(): { message: string; errorCode: string; fields?: string[] }[] {
    return [{ message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) }];
  }
}

/** An error in a SOQL statement at a character offset. */
export class SoqlError extends SalesforceApiError {
  constructor(errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE', soql: string, offset: number, detail: string) {
    super(400, errorCode, pointAt(soql, offset, detail));
  }
}

function pointAt(soql: string, offset: number, detail: string): string {
  const before = soql.slice(0, offset).split('\n');
  const row = before.length;
  const column = before[before.length - 1]!.length;
  const line = soql.split('\n')[row - 1] ?? '';
  return `\n${line}\n${' '.repeat(column)}^\nERROR at Row:${row}:Column:${column + 1}\n${detail}`;
}

export function noSuchColumn(field: string, sobject: string): string {
  return (
    `No such column '${field}' on entity '${sobject}'. If you are attempting to use a custom field, be sure to append the '__c' ` +
    `after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`
  );
}

export function unknownRelationship(name: string): string {
  return (
    `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to ` +
    `append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`
  );
}

export function unsupportedSObject(name: string): string {
  return (
    `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after ` +
    `the entity name. Please reference your WSDL or the describe call for the appropriate names.`
  );
}
