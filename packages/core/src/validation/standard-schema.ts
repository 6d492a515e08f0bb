/**
 * The Standard Schema interface (https://standardschema.dev), version 1: what zod 4,
 * Valibot, ArkType and others implement under the `~standard` key. Typed here, in the few
 * lines evented uses, so that core needs no runtime dependency to accept any of them.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** The outcome of a Standard Schema's `validate`: the parsed value, or the issues. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

/** One problem a Standard Schema found, and where. */
export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** The type a schema accepts. */
export type InferInput<Schema extends StandardSchemaV1> = NonNullable<
  Schema['~standard']['types']
>['input'];

/** The type a schema produces: what a handler receives (`z.infer` for a zod schema). */
export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
  Schema['~standard']['types']
>['output'];

/** A schema issue as plain JSON, for error details: the path in dot notation, and the message. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/** Validates `value`, awaiting only schemas that validate asynchronously. */
export async function validateWithSchema<Output>(
  schema: StandardSchemaV1<unknown, Output>,
  value: unknown,
): Promise<{ value: Output } | { issues: SchemaIssue[] }> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues) return { issues: result.issues.map(plainIssue) };
  return { value: result.value };
}

/** True for a value that implements Standard Schema version 1. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.[
    '~standard'
  ];
  return (
    typeof props === 'object' &&
    props !== null &&
    props.version === 1 &&
    typeof props.validate === 'function'
  );
}

/** Issues as one line: `amount: Too small; owner: Required`. */
export function formatIssues(issues: readonly SchemaIssue[]): string {
  return issues.map(({ path, message }) => (path ? `${path}: ${message}` : message)).join('; ');
}

function plainIssue(issue: StandardSchemaIssue): SchemaIssue {
  const path = (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
  return { path, message: issue.message };
}
