import PackagePlugin

/// Embeds `protocol/openrpc.json` into the target as `EmbeddedOpenRPC.json`, so the binary
/// answers `rpc.discover` with the document it was built with, wherever it is copied.
@main
struct EmbedOpenRPC: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let input = context.package.directoryURL.appending(path: "protocol").appending(path: "openrpc.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedOpenRPC.swift")
        return [
            .buildCommand(
                displayName: "Embedding protocol/openrpc.json",
                executable: try context.tool(named: "embed-resource").url,
                arguments: [input.path, output.path, "EmbeddedOpenRPC"],
                inputFiles: [input],
                outputFiles: [output]
            )
        ]
    }
}
