import { toBinary, type DescEnum, type DescExtension, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * The protobuf schema of the services a server serves, indexed for reflection: every file that
 * defines them or that they import, by file name and by the fully-qualified symbols it defines.
 * Built from the descriptors protobuf-es embeds in generated code, so it always matches what is
 * served.
 */
export class SchemaIndex {
  /** Fully-qualified names of the services, in the order given. */
  readonly serviceNames: readonly string[];
  readonly #files = new Map<string, DescFile>();
  readonly #symbols = new Map<string, DescFile>();
  readonly #extensions = new Map<string, DescExtension[]>();
  readonly #encoded = new Map<DescFile, Uint8Array>();

  constructor(services: readonly DescService[]) {
    this.serviceNames = [...new Set(services.map((service) => service.typeName))];
    for (const service of services) this.#addFile(service.file);
  }

  /** The file of this name (`matchmaking/v1/matchmaking.proto`). */
  fileByName(name: string): DescFile | undefined {
    return this.#files.get(name);
  }

  /** The file defining a service, method (`pkg.Service.Method`), message, field, enum or enum value. */
  fileContainingSymbol(symbol: string): DescFile | undefined {
    const file = this.#symbols.get(symbol);
    if (file !== undefined) return file;
    // Members (methods, fields, enum values) resolve through their parent's file.
    const dot = symbol.lastIndexOf(".");
    return dot > 0 ? this.#symbols.get(symbol.slice(0, dot)) : undefined;
  }

  /** The extensions known for a message type, or undefined when the type is unknown. */
  extensionsOf(typeName: string): readonly DescExtension[] | undefined {
    if (!this.#symbols.has(typeName)) return undefined;
    return this.#extensions.get(typeName) ?? [];
  }

  /**
   * `file` then, transitively, its imports, serialized as FileDescriptorProto, leaving out files
   * whose names are in `sent` (files the client already has on this stream) and adding the rest.
   */
  encodeWithDependencies(file: DescFile, sent: Set<string>): Uint8Array[] {
    const encoded: Uint8Array[] = [];
    const visit = (current: DescFile, requested: boolean): void => {
      const name = fileName(current);
      if (sent.has(name) && !requested) return;
      sent.add(name);
      encoded.push(this.#encode(current));
      for (const dependency of current.dependencies) visit(dependency, false);
    };
    visit(file, true);
    return encoded;
  }

  #encode(file: DescFile): Uint8Array {
    let bytes = this.#encoded.get(file);
    if (bytes === undefined) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      this.#encoded.set(file, bytes);
    }
    return bytes;
  }

  #addFile(file: DescFile): void {
    const name = fileName(file);
    if (this.#files.has(name)) return;
    this.#files.set(name, file);
    for (const service of file.services) this.#symbols.set(service.typeName, file);
    for (const enumeration of file.enums) this.#addEnum(enumeration, file);
    for (const message of file.messages) this.#addMessage(message, file);
    for (const extension of file.extensions) this.#addExtension(extension, file);
    for (const dependency of file.dependencies) this.#addFile(dependency);
  }

  #addMessage(message: DescMessage, file: DescFile): void {
    this.#symbols.set(message.typeName, file);
    for (const nested of message.nestedMessages) this.#addMessage(nested, file);
    for (const enumeration of message.nestedEnums) this.#addEnum(enumeration, file);
    for (const extension of message.nestedExtensions) this.#addExtension(extension, file);
  }

  #addEnum(enumeration: DescEnum, file: DescFile): void {
    this.#symbols.set(enumeration.typeName, file);
  }

  #addExtension(extension: DescExtension, file: DescFile): void {
    this.#symbols.set(extension.typeName, file);
    const known = this.#extensions.get(extension.extendee.typeName) ?? [];
    known.push(extension);
    this.#extensions.set(extension.extendee.typeName, known);
  }
}

/** The name a file is imported by. */
function fileName(file: DescFile): string {
  return file.proto.name;
}
