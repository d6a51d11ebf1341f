using Personalization.Silo.Hosting;

try
{
    if (args is ["broker", .. var brokerArgs]) return await DevelopmentBroker.RunAsync(brokerArgs);
    await SiloHost.Build(args).RunAsync();
    return Environment.ExitCode;
}
catch (SiloArguments.UsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine("usage: Personalization.Silo [--dataset synthetic | --dataset movielens DIR] [--data-dir DIR] [--urls URLS] [--kafka SERVERS]");
    Console.Error.WriteLine("       Personalization.Silo broker [--partitions N]");
    return 2;
}
