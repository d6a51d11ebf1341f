using Personalization.Silo.Hosting;

try
{
    await SiloHost.Build(args).RunAsync();
    return 0;
}
catch (SiloArguments.UsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine("usage: Personalization.Silo [--dataset synthetic | --dataset movielens DIR] [--data-dir DIR] [--urls URLS] [--kafka SERVERS]");
    return 2;
}
