/**
 * Schema transforms of HeliosDbIO, for Beam YAML, the Python SDK and the Managed API: {@code
 * beam:schematransform:io.heliosdb:read:v1} reads one table, {@code
 * beam:schematransform:io.heliosdb:read_tables:v1} a set of tables. Both are configured by a
 * {@link org.apache.beam.sdk.values.Row} with snake_case fields and registered with {@link
 * java.util.ServiceLoader}, so that an expansion service holding this jar finds them; see {@code
 * docs/yaml-and-python.md}.
 */
package io.heliosdb.beam.schemas;
