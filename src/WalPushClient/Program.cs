using NodeAgent.WalPushClient;

return WalPushClientCommand.Run(args, Console.Error);
