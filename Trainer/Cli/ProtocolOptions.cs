using System.CommandLine;
using Personalization.Trainer.Evaluation;

namespace Personalization.Trainer.Cli;

/// <summary>The split options (<c>--protocol --last-n --test-fraction</c>) of one command.</summary>
internal sealed class ProtocolOptions(string defaultProtocol)
{
    private readonly Option<string> _protocol = new("--protocol")
    {
        Description = "holdout: hold out a random share of each user's interactions; users: hold out whole users and fold them in from 80% of their history (Liang et al. 2018); "
            + "time: train on the past, test on the newest share of all interactions (a global time cutoff, no leakage); last: hold out each user's newest --last-n interactions; "
            + "cold: hold out whole users and fold them in from only their first --cold-events interactions (new members).",
        DefaultValueFactory = _ => defaultProtocol,
    };

    // One N for both time-ordered protocols: the newest N hidden (last), or the oldest N shown (cold).
    private readonly Option<int> _lastN = new("--last-n", "--cold-events")
    {
        Description = "N: the newest interactions per user held out under --protocol last; the first interactions a held-out user is folded in from under --protocol cold.",
        DefaultValueFactory = _ => 1,
    };

    private readonly Option<double> _testFraction = new("--test-fraction")
    {
        Description = "Share held out: of each user's interactions (holdout), of users (users, cold), of all interactions after the cutoff (time).", DefaultValueFactory = _ => 0.2,
    };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_protocol);
        command.Options.Add(_lastN);
        command.Options.Add(_testFraction);
    }

    /// <summary>The protocol, N and fraction, checked; messages name the option.</summary>
    public (string Protocol, int LastN, double TestFraction) Read(ParseResult result)
    {
        var protocol = OfflineEvaluation.ParseProtocol(result.GetValue(_protocol)!);
        var lastN = result.GetValue(_lastN);
        if (lastN < 1) throw new ArgumentException($"--last-n (--cold-events) must be at least 1, not {lastN}.");
        return (protocol, lastN, result.GetValue(_testFraction));
    }
}
