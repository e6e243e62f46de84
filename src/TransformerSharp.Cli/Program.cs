return TransformerSharp.Cli.CliApp.Run(args, Console.Out, Console.Error);
